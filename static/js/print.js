// A button marked data-print prints the page. It is hidden in the markup and shown here, so a
// browser without JavaScript shows no button that does nothing, only the Ctrl+P hint.
document.querySelectorAll("button[data-print]").forEach((button) => {
  button.addEventListener("click", () => window.print());
  button.hidden = false;
});

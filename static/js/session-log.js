// The session log form: a sub-theme ticked ticks its theme, a theme unticked unticks its
// sub-themes, and "Redirected to" shows only for the outcome "Redirected". Without JavaScript
// every field shows and the server adds the theme of a sub-theme.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  const form = document.querySelector("form.session-log");
  if (!form) {
    return;
  }

  form.querySelectorAll("fieldset[data-theme]").forEach((group) => {
    const theme = document.getElementById(group.dataset.theme);
    if (!theme) {
      return;
    }
    const subtopics = group.querySelectorAll("input[type=checkbox]");
    subtopics.forEach((subtopic) => {
      subtopic.addEventListener("change", () => {
        if (subtopic.checked) {
          theme.checked = true;
        }
      });
    });
    theme.addEventListener("change", () => {
      if (!theme.checked) {
        subtopics.forEach((subtopic) => {
          subtopic.checked = false;
        });
      }
    });
  });

  form.querySelectorAll("[data-shown-for-outcome]").forEach((block) => {
    const select = block.querySelector("select");
    const outcomes = form.querySelectorAll("input[name=outcome]");
    const update = () => {
      const chosen = form.querySelector("input[name=outcome]:checked");
      const shown = chosen !== null && chosen.value === block.dataset.shownForOutcome;
      if (!shown && select && select.value && chosen === null) {
        return; // a value already given stays visible until an outcome is chosen
      }
      block.hidden = !shown;
      if (!shown && select) {
        select.value = "";
      }
    };
    outcomes.forEach((radio) => radio.addEventListener("change", update));
    update();
  });
});

// The permanence form shows only the fields that apply: the workshop level for a workshop, the
// slots for drop-in help, every how many weeks for a weekly rule, the position in the month for
// a monthly one. Each such field sits in a block marked data-shown-when="<field>=<value>"; the
// block is hidden, and its fields disabled (so the browser does not check what it cannot show),
// while the field it depends on has another value. Without JavaScript every field shows, its
// help text saying when it applies, and the server ignores the ones that do not.
"use strict";

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("form [data-shown-when]").forEach((block) => {
    const [name, value] = block.dataset.shownWhen.split("=");
    const controls = block.closest("form").querySelectorAll(`[name="${name}"]`);
    const chosen = () => {
      const control = Array.from(controls).find((each) => each.type !== "radio" || each.checked);
      return control === undefined ? "" : control.value;
    };
    const update = () => {
      const shown = chosen() === value;
      block.hidden = !shown;
      block.querySelectorAll("input, select, textarea").forEach((field) => {
        field.disabled = !shown;
      });
    };
    controls.forEach((control) => control.addEventListener("change", update));
    update();
  });
});

// The search box of a languages field (templates/core/includes/language_checkboxes.html): as one
// types, only the languages whose name (as shown) has a word starting with the letters typed, or
// whose code starts with them, stay shown, whatever the accents and the case; ticked languages
// always stay. The box is hidden in the markup and shown here, so a browser without JavaScript
// shows the plain checkboxes only. The page may hold several such fields and load this file once
// for each: each field is set up once.
(() => {
  const fold = (text) =>
    text
      .normalize("NFD")
      .replace(/[\u0300-\u036f]/g, "")
      .toLowerCase()
      .replace(/\s+/g, " ")
      .trim();
  // Screen readers hear the count once typing pauses, not at every letter.
  const ANNOUNCE_AFTER_MS = 400;

  document.querySelectorAll("[data-language-filter]").forEach((field) => {
    if (field.dataset.languageFilterReady) return;
    field.dataset.languageFilterReady = "true";
    const box = field.querySelector("[data-language-filter-box]");
    const input = box.querySelector("input");
    const status = box.querySelector("[role=status]");
    const groups = [...field.querySelectorAll("[data-language-group]")];
    const options = [...field.querySelectorAll("[data-language-option]")].map((option) => {
      const name = fold(option.textContent);
      return {
        option,
        checkbox: option.querySelector("input[type=checkbox]"),
        name,
        words: name.split(/[^a-z0-9]+/).filter(Boolean),
        code: fold(option.dataset.code || ""),
      };
    });
    let announcement;

    const matches = (language, query) =>
      language.name.startsWith(query) ||
      language.code.startsWith(query) ||
      language.words.some((word) => word.startsWith(query));

    const message = (count) => {
      if (count === 0) return status.dataset.none;
      if (count === 1) return status.dataset.one;
      return status.dataset.many.replace("__NUMBER__", String(count));
    };

    const apply = () => {
      const query = fold(input.value);
      let found = 0;
      for (const language of options) {
        const matching = query === "" || matches(language, query);
        if (query !== "" && matching) found += 1;
        language.option.hidden = !matching && !language.checkbox.checked;
      }
      for (const group of groups) {
        group.hidden = !group.querySelector("[data-language-option]:not([hidden])");
      }
      clearTimeout(announcement);
      announcement = setTimeout(() => {
        status.textContent = query === "" ? "" : message(found);
      }, ANNOUNCE_AFTER_MS);
    };

    input.addEventListener("input", apply);
    // Enter in the box would send the whole form half filled in.
    input.addEventListener("keydown", (event) => {
      if (event.key === "Enter") event.preventDefault();
    });
    box.hidden = false;
    apply();
  });
})();

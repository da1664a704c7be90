// The figures' period: choosing a named period (this month, last month…) puts its dates in the
// From and To fields at once, and typing a date chooses "Custom dates". Without JavaScript the
// page shows the chosen period's dates once sent.
document.querySelectorAll("select[data-period-dates]").forEach((select) => {
  const [start, end] = select.dataset.periodDates.split(" ").map((id) => document.getElementById(id));
  if (!start || !end) {
    return;
  }
  select.addEventListener("change", () => {
    const option = select.selectedOptions[0];
    if (option && option.dataset.start) {
      start.value = option.dataset.start;
      end.value = option.dataset.end;
    }
  });
  const custom = select.querySelector('option[value="custom"]');
  [start, end].forEach((field) => {
    field.addEventListener("change", () => {
      const option = select.selectedOptions[0];
      const named = option && option.dataset.start;
      if (custom && named && (start.value !== option.dataset.start || end.value !== option.dataset.end)) {
        custom.selected = true;
      }
    });
  });
});

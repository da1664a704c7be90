// A prepared export's page, while its file is being made: every two seconds, ask its status
// address how far it is and move the bar. The status sentence, read out by screen readers, is
// only rewritten when it changes; the rows' count below the bar, on every answer. Once the file
// is ready or has failed, the page is loaded again to show its link or the reason. Without
// JavaScript, the page reloads itself instead (its noscript refresh).
(() => {
  const POLL_MS = 2000;
  const section = document.querySelector("[data-export-progress]");
  if (!section) {
    return;
  }
  const address = section.dataset.exportProgress;
  const bar = section.querySelector("[data-export-bar]");
  const status = section.querySelector("[data-export-status]");
  const rows = section.querySelector("[data-export-rows]");

  const show = (answer) => {
    if (answer.rows_total !== null && answer.rows_total > 0) {
      bar.max = answer.rows_total;
      bar.value = Math.min(answer.rows_written, answer.rows_total);
    }
    if (status.textContent !== answer.status_text) {
      status.textContent = answer.status_text;
    }
    rows.textContent = answer.progress_text;
  };

  const poll = async () => {
    try {
      const response = await fetch(address, {
        headers: { Accept: "application/json" },
        credentials: "same-origin",
        cache: "no-store",
      });
      if (!response.ok) {
        // Signed out, or the job deleted: the page itself says what now.
        window.location.reload();
        return;
      }
      const answer = await response.json();
      if (!answer.waiting) {
        window.location.reload();
        return;
      }
      show(answer);
    } catch (error) {
      // The network is down for a moment: the next round tries again.
    }
    window.setTimeout(poll, POLL_MS);
  };

  window.setTimeout(poll, POLL_MS);
})();

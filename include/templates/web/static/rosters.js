// Links to Airflow's own pages (a run, the gate's Required Action) from the Rosters pages. Airflow shows
// these pages in a sandboxed iframe that may not navigate the window it sits in; it is the same origin,
// so the link asks Airflow's UI router to show the page instead (as a click in its navigation does).
// Opened on its own (not in the frame), a link is followed as any link.
document.addEventListener("click", (event) => {
  const link = event.target.closest("a[data-airflow]");
  if (!link || window.top === window) return;
  try {
    const top = window.top;
    const target = new URL(link.href, window.location.href);
    if (target.origin !== top.location.origin) return;
    event.preventDefault();
    top.history.pushState(null, "", target.pathname + target.search + target.hash);
    top.dispatchEvent(new PopStateEvent("popstate", { state: null }));
  } catch (error) {
    // Not allowed to reach the window above: the link opens inside the frame.
  }
});

// Before the first paint (a plain, blocking script: modules run only after the page is parsed):
// the theme static/js/theme.js remembers (its THEME_KEY), and presenter mode from ?present=1
// (?present=0 ends it) or as static/js/presenter.js remembers it for the tab (its PRESENT_KEY).
(function (root, query) {
  try {
    const theme = localStorage.getItem("playground.theme");
    if (theme) root.dataset.theme = theme;
    if (query.has("present")) sessionStorage.setItem("playground.present", query.get("present") === "0" ? "0" : "1");
    if (sessionStorage.getItem("playground.present") === "1") root.dataset.present = "";
  } catch {
    // Storage refused: the OS's theme, no presenter mode.
  }
})(document.documentElement, new URLSearchParams(window.location.search));

// Runs before the app: applies the theme chosen last time (or the system's) so the page never flashes.
(() => {
  let theme = "system";
  try {
    theme = localStorage.getItem("hearth.theme") || "system";
  } catch {}
  const isDark = theme === "dark" || (theme === "system" && matchMedia("(prefers-color-scheme: dark)").matches);
  document.documentElement.classList.toggle("dark", isDark);
})();

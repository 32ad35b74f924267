// Progressive enhancement only: every page works without JavaScript.
import { initAll } from "../vendor/govuk-frontend/govuk-frontend.min.js";

document.body.classList.add("js-enabled", "govuk-frontend-supported");
initAll();

// A table box that scrolls sideways is a tab stop, so it can be scrolled with the keyboard;
// one that does not scroll (a wide screen, a narrow table) is not, and comes back as one
// when the window narrows. Without JavaScript every box stays a tab stop.
const scrollBoxes = document.querySelectorAll(".collab-table-scroll");
const tabStopIfScrolling = (box) => {
  if (box.scrollWidth > box.clientWidth) {
    box.setAttribute("tabindex", "0");
  } else {
    box.removeAttribute("tabindex");
  }
};
if (scrollBoxes.length && "ResizeObserver" in window) {
  const observer = new ResizeObserver((entries) => {
    for (const entry of entries) tabStopIfScrolling(entry.target);
  });
  for (const box of scrollBoxes) {
    tabStopIfScrolling(box);
    observer.observe(box);
  }
}

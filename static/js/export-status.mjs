// While an export is being made, check its progress every few seconds and update the
// status in place (announced politely to screen readers), until it is ready or failed.
// Without JavaScript the page has a "Check again" link: nothing reloads by itself.
const region = document.getElementById("export-progress");
const INTERVAL_MS = 4000;
const MAX_CHECKS = 150; // ten minutes, then the "Check again" link is there as before

async function check(count) {
  if (!region || !region.hasAttribute("data-export-pending") || count >= MAX_CHECKS) return;
  try {
    const reply = await fetch(window.location.href, { credentials: "same-origin" });
    if (reply.ok) {
      const page = new DOMParser().parseFromString(await reply.text(), "text/html");
      const fresh = page.getElementById("export-progress");
      if (fresh && fresh.innerHTML !== region.innerHTML) {
        region.innerHTML = fresh.innerHTML;
        if (!fresh.hasAttribute("data-export-pending")) region.removeAttribute("data-export-pending");
      }
    }
  } catch {
    // A dropped connection: try again at the next interval.
  }
  window.setTimeout(() => check(count + 1), INTERVAL_MS);
}

window.setTimeout(() => check(0), INTERVAL_MS);

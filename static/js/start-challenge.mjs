// The start challenge (surveys/challenge.py): solve it in the background, in a same-origin
// worker (ALTCHA's own PBKDF2 solver, vendored), and put the answer in the Start form's
// hidden field. The status line is a polite live region, so a screen reader hears
// "Checking your browser…" and then "Done, you can start" without losing its place.
// Nothing takes focus and nothing is disabled: the Start button works by keyboard at any
// time. Pressed before the answer is ready, the form waits for it and then sends itself.
// If anything fails, the form is sent without an answer and the server asks the resident
// to wait instead, as it does for a browser without JavaScript.
const form = document.querySelector("form[data-start-challenge]");

function say(text) {
  const status = document.getElementById("start-challenge-status");
  if (status) status.textContent = text;
}

function solve(challenge, workerUrl) {
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl);
    worker.onmessage = (message) => {
      worker.terminate();
      const solution = message.data;
      if (solution && !solution.error && typeof solution.counter === "number") resolve(solution);
      else reject(new Error("No solution"));
    };
    worker.onerror = (event) => {
      worker.terminate();
      reject(event.error || new Error("Worker failed"));
    };
    worker.postMessage({ type: "work", challenge, counterMode: "uint32", counterStart: 0, counterStep: 1 });
  });
}

async function prepare(field) {
  // One challenge, solved; the answer in the hidden field. Resolves when done either way.
  try {
    const reply = await fetch(form.dataset.challengeUrl, { credentials: "same-origin", cache: "no-store" });
    if (!reply.ok) throw new Error(`Challenge: ${reply.status}`);
    const challenge = await reply.json();
    const solution = await solve(challenge, form.dataset.challengeWorker);
    field.value = btoa(JSON.stringify({ challenge, solution }));
    return true;
  } catch {
    // The server's fallback takes over: a short wait instead of the check.
    field.value = "";
    return false;
  }
}

async function run() {
  const field = form.querySelector("input[name='altcha']");
  let ready = false;
  let waiting = false;
  let done = null;
  const finished = new Promise((resolve) => { done = resolve; });

  form.addEventListener("submit", (event) => {
    if (ready || waiting) return;
    event.preventDefault();
    waiting = true;
    say("Still checking your browser. Your survey will start in a moment.");
    finished.then(() => form.requestSubmit());
  });

  say("Checking your browser…");
  const solved = await prepare(field);
  say(solved ? "Done, you can start." : "");
  ready = true;
  done();

  // Someone still reading when the answer is about to expire gets a fresh one, quietly:
  // the old answer stays in the field until the new one replaces it. Timed from the
  // challenge's life on the server, so the computer's clock does not matter.
  const renewMs = (Number(form.dataset.challengeSeconds) - 60) * 1000;
  const renew = async () => {
    if (await prepare(field)) window.setTimeout(renew, renewMs);
  };
  if (solved && renewMs > 0) window.setTimeout(renew, renewMs);
}

if (form && window.Worker && window.crypto && window.crypto.subtle) run();

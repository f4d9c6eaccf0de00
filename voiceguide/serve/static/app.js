// voiceguide serve: the page. Plain JavaScript, no framework, no build step.
// The audio's own position drives everything shown while it plays: a locked phone stops
// timers but keeps one <audio> playing and its "timeupdate" events coming.
"use strict";

const $ = (id) => document.getElementById(id);
const COLOURS = ["#7a9cc6", "#8fb996", "#c99ad6", "#d6a37a", "#7ec4c1", "#c7c27a"];
const state = { routines: [], routine: null, plan: null, planFor: "", playing: null, lastBack: 0 };

// -- small helpers ---------------------------------------------------------------------------

function clock(seconds) {
  const s = Math.max(0, Math.ceil(seconds - 1e-6));
  const h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const mm = h ? String(m).padStart(2, "0") : String(m);
  return (h ? h + ":" : "") + mm + ":" + String(r).padStart(2, "0");
}

function words(seconds) {
  const s = Math.round(seconds), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60), r = s % 60;
  const parts = [];
  if (h) parts.push(h + " h");
  if (m) parts.push(m + " min");
  if (r || !parts.length) parts.push(r + " s");
  return parts.join(" ");
}

function shownRange(routine) {
  // whole seconds, rounded inwards so that every length shown can be met (fit.shown_range)
  const low = Math.ceil(routine.shortest - 1e-6), high = Math.floor(routine.longest + 1e-6);
  return low <= high ? [low, high] : [Math.round(routine.shortest), Math.round(routine.longest)];
}

function span(routine) {
  // "8 min 15 s to 55 min; longer in rounds", as the command line's plan footer says it;
  // "about" while the server has estimated it (the speech not rendered yet)
  const [low, high] = shownRange(routine);
  const about = routine.measured === false ? "about " : "";
  const said = low === high ? `only ${about}${words(low)}` : `${about}${words(low)} to ${words(high)}`;
  const more = [];
  if (routine.rounds) more.push("longer in rounds");
  if (routine.optional) more.push("shorter without optional steps");
  return more.length ? `${said}; ${more.join(", ")}` : said;
}

function fits(routine) {
  // the card: the default length, then the lengths it fits as the hint under the slider says
  return `${words(routine.length)} · ${span(routine)}`;
}

function title(step) { return step.side ? `${step.name} (${step.side})` : step.name; }

function colour(step) { return step.kind === "step" ? COLOURS[((step.number || 1) - 1) % COLOURS.length] : null; }

function showError(message) {
  const box = $("error");
  box.textContent = message || "";
  box.hidden = !message;
}

async function getJSON(url, options) {
  const answer = await fetch(url, options);
  const data = await answer.json().catch(() => ({ error: `${answer.status} ${answer.statusText}` }));
  if (!answer.ok && !data.state) throw new Error(data.error || `${answer.status}`);
  return data;
}

// -- the options: what the API takes as parameters (the command line's options) ------------

function params() {
  const found = new URLSearchParams();
  if (!state.routine) return found;
  found.set("routine", state.routine.name);
  found.set("length", String(Number($("length").value)));
  const voice = $("voice").value;
  if (voice) {
    const [engine, id] = voice.split("\t");
    found.set("engine", engine);
    found.set("voice", id);
  }
  if ($("pace").value) found.set("pace", $("pace").value);
  if ($("bed").value) found.set("bed", $("bed").value);
  return found;
}

function api(path, extra) {
  const query = params();
  for (const [k, v] of Object.entries(extra || {})) query.set(k, v);
  return `/api/${path}?${query}`;
}

// -- routines --------------------------------------------------------------------------------

async function loadRoutines() {
  const listed = await getJSON("/api/routines");
  state.routines = listed.routines;
  const box = $("routines");
  box.textContent = "";
  listed.routines.forEach((routine, index) => {
    const label = document.createElement("label");
    label.className = "routine";
    label.innerHTML = `<input type="radio" name="routine"><strong></strong><span class="range"></span><span class="desc"></span>`;
    label.querySelector("input").value = routine.name;
    label.querySelector("strong").textContent = routine.title;
    label.querySelector(".range").textContent = fits(routine);
    label.querySelector(".desc").textContent = routine.description || "";
    label.querySelector("input").addEventListener("change", () => choose(state.routines.find((r) => r.name === routine.name) || routine));
    box.append(label);
    if (index === 0) { label.querySelector("input").checked = true; }
  });
  for (const bad of listed.errors || []) {
    const p = document.createElement("p");
    p.className = "routine bad muted";
    p.textContent = `${bad.name}: ${bad.error}`;
    box.append(p);
  }
  if (listed.routines.length) choose(listed.routines[0]);
  if (listed.routines.some((r) => r.measured === false)) setTimeout(refreshRanges, RANGES_MS);
}

// -- the ranges the server estimated until it has rendered their speech: asked again until
// every one is measured (the list is shown at once, the ranges follow)

const RANGES_MS = 1500, RANGES_TRIES = 400;  // 10 minutes at most
let rangeTries = 0;

async function refreshRanges() {
  let listed;
  try { listed = await getJSON("/api/routines"); } catch (error) { listed = null; }
  if (listed) {
    state.routines = listed.routines;
    for (const routine of listed.routines) {
      const input = document.querySelector(`input[name=routine][value="${CSS.escape(routine.name)}"]`);
      if (input) input.parentElement.querySelector(".range").textContent = fits(routine);
      if (state.routine && state.routine.name === routine.name && fitSlider(routine, false)) lengthChanged();
    }
    if (!listed.routines.some((r) => r.measured === false)) return;
  }
  if (++rangeTries < RANGES_TRIES) setTimeout(refreshRanges, RANGES_MS);
}

const ROUNDS_MOST = 2 * 3600;  // seconds the slider offers a routine that repeats in rounds
const SNAP = 30;  // seconds the slider moves by between its ends

function fitSlider(routine, reset) {
  // the slider's ends are the lengths the hint states (rounds: longer); the length is kept
  // when it still fits
  state.routine = routine;
  const slider = $("length"), [low, high] = shownRange(routine);
  const top = routine.rounds ? Math.max(high, ROUNDS_MOST) : high;
  const value = reset ? routine.length : Number(slider.value);
  slider.min = String(Math.min(low, Math.round(routine.length)));
  slider.max = String(Math.max(top, Math.round(routine.length)));
  slider.step = "1";
  slider.value = String(Math.min(Math.max(value, Number(slider.min)), Number(slider.max)));
  slider.disabled = routine.longest - routine.shortest < 1 && !routine.rounds;
  $("range-hint").textContent = slider.disabled
    ? `${routine.title} lasts ${words(routine.length)}: its steps are fixed.`
    : `${routine.title} fits ${span(routine)}.`;
  return Number(slider.value) !== value;
}

function choose(routine) {
  fitSlider(routine, true);
  lengthChanged();
}

function lengthChanged() {
  // whole half minutes between the ends, the ends themselves as the hint states them
  const slider = $("length"), low = Number(slider.min), high = Number(slider.max);
  const value = Number(slider.value);
  if (value > low && value < high && value % SNAP) {
    slider.value = String(Math.min(high, Math.max(low, Math.round(value / SNAP) * SNAP)));
  }
  $("length-out").textContent = words(Number(slider.value));
  schedulePlan();
}

// -- the plan --------------------------------------------------------------------------------

let planTimer = 0, planAbort = null;
// a plan not there after this long is waiting for its speech (a voice's first rendering of a
// routine: 34 s with Piper, cold): say so, and dim the plan shown, which is the one before
const WAIT_MS = 600;

function schedulePlan() {
  clearTimeout(planTimer);
  planTimer = setTimeout(loadPlan, 120);
}

async function loadPlan() {
  const url = api("plan");
  if (url === state.planFor) return;
  if (planAbort) planAbort.abort();
  const mine = planAbort = new AbortController();
  const waiting = setTimeout(() => showWaiting(true), WAIT_MS);
  try {
    const plan = await getJSON(url, { signal: mine.signal });
    state.plan = plan;
    state.planFor = url;
    showError("");
    drawPlan(plan);
  } catch (error) {
    if (error.name !== "AbortError") showError(error.message);
  } finally {
    clearTimeout(waiting);
    if (planAbort === mine) showWaiting(false);  // a newer request waits on its own
  }
}

function showWaiting(on) {
  $("plan-wait").hidden = !on;
  $("steps").classList.toggle("stale", on);
  $("timeline").classList.toggle("stale", on);
  $("plan-length").classList.toggle("stale", on);
}

function drawPlan(plan) {
  $("plan-length").textContent = `· ${clock(plan.length)}`;
  const line = $("timeline"), list = $("steps");
  line.querySelectorAll(".seg").forEach((seg) => seg.remove());
  list.textContent = "";
  plan.steps.forEach((step, index) => {
    const seg = document.createElement("div");
    seg.className = "seg" + (step.kind === "step" ? "" : " other");
    seg.style.flexGrow = String(step.end - step.start);
    if (colour(step)) seg.style.background = colour(step);
    seg.title = title(step);
    line.insertBefore(seg, $("playhead"));
    const item = document.createElement("li");
    item.className = step.kind === "step" ? "" : "other";
    item.dataset.index = String(index);
    item.innerHTML = `<span class="at"></span><span class="name"><span class="dot"></span></span><span class="len"></span>`;
    item.querySelector(".at").textContent = clock(step.start);
    item.querySelector(".name").append(title(step));
    item.querySelector(".dot").style.background = colour(step) || "transparent";
    item.querySelector(".len").textContent = words(step.end - step.start);
    item.addEventListener("click", () => seekToStep(index));
    list.append(item);
  });
  $("plan-length").dataset.length = String(plan.length);
  $("dl-mp3").href = api("session.mp3", { download: "1" });
  $("dl-tracks").href = api("tracks.zip");
  if ($("picture-box").open) $("picture").src = api("picture.svg");
  schedulePrefetch();
}

// -- the session made ahead: once the options rest, the server starts mixing it, so that Play
// finds it made (or well under way) instead of waiting for its loudness to be measured

let prefetchTimer = 0;
const PREFETCH_MS = 1500;

function schedulePrefetch() {
  clearTimeout(prefetchTimer);
  prefetchTimer = setTimeout(() => {
    if (state.playing && !$("audio").paused) return;  // do not compete with what plays
    fetch(api("session.wav"), { headers: { Range: "bytes=0-0" } }).catch(() => {});
  }, PREFETCH_MS);
}

// -- playing on this phone: one <audio>, the plan read at its position -----------------------

function stepAt(plan, seconds) {
  let found = 0;
  plan.steps.forEach((step, index) => { if (step.start <= seconds + 1e-6) found = index; });
  return found;
}

function play() {
  // play() at once, inside the tap (a phone allows sound only there); the plan to follow may
  // still be on its way when the options just changed: the display waits for it
  const audio = $("audio"), planURL = api("plan");
  const playing = { plan: state.planFor === planURL ? state.plan : null, planURL, shown: -1 };
  state.playing = playing;
  audio.src = api("session.wav");
  audio.play().catch((error) => showError(`cannot play: ${error.message}`));
  if (!playing.plan) getJSON(planURL).then((plan) => { playing.plan = plan; follow(); }, (error) => showError(error.message));
  $("now").hidden = false;
  $("now").scrollIntoView({ behavior: "smooth", block: "start" });
  setupMediaSession();
  follow();
}

function follow() {
  const playing = state.playing;
  if (!playing || !playing.plan) return;
  const audio = $("audio"), plan = playing.plan;
  const t = audio.currentTime, index = stepAt(plan, t), step = plan.steps[index];
  const next = plan.steps[index + 1];
  $("now-step").textContent = title(step);
  $("now-count").textContent = step.number ? `· step ${step.number} of ${new Set(plan.steps.filter((s) => s.number).map((s) => s.number)).size}` : "";
  $("now-left").textContent = clock(step.end - t);
  $("now-next").textContent = next ? title(next) : "the end";
  $("now-session").textContent = clock(plan.length - t);
  $("now-fill").style.width = `${Math.min(100, (100 * (t - step.start)) / (step.end - step.start))}%`;
  $("toggle").textContent = audio.paused ? "Play" : "Pause";
  const head = $("playhead");
  const here = playing.planURL === state.planFor;  // the plan shown is the one playing
  if (here) {
    head.hidden = false;
    head.style.left = `${(100 * t) / plan.length}%`;
  }
  document.querySelectorAll("#steps li").forEach((li) => li.classList.toggle("current", here && Number(li.dataset.index) === index));
  if (index !== playing.shown) {
    playing.shown = index;
    if ("mediaSession" in navigator) {
      navigator.mediaSession.metadata = new MediaMetadata({
        title: title(step),
        artist: plan.title,
        album: `voiceguide · ${clock(plan.length)}`,
        artwork: [{ src: "/static/icon.svg", sizes: "any", type: "image/svg+xml" }],
      });
    }
  }
  if ("mediaSession" in navigator && navigator.mediaSession.setPositionState && audio.duration > 0) {
    try { navigator.mediaSession.setPositionState({ duration: audio.duration, position: Math.min(t, audio.duration), playbackRate: audio.playbackRate }); } catch (e) { /* not yet known */ }
  }
}

function seekTo(seconds) {
  const audio = $("audio");
  audio.currentTime = Math.max(0, seconds);
  follow();
}

function seekToStep(index) {
  if (!state.playing || !state.playing.plan || state.playing.planURL !== state.planFor) return;
  seekTo(state.plan.steps[index].start);
}

function nextStep() {
  const playing = state.playing;
  if (!playing || !playing.plan) return;
  const index = stepAt(playing.plan, $("audio").currentTime);
  if (index + 1 < playing.plan.steps.length) seekTo(playing.plan.steps[index + 1].start);
}

function previousStep() {
  // as the live player's "previous": restart the step; pressed again within 3 s, the one before
  const playing = state.playing;
  if (!playing || !playing.plan) return;
  const index = stepAt(playing.plan, $("audio").currentTime), now = Date.now();
  const again = now - state.lastBack < 3000 && index > 0;
  state.lastBack = now;
  seekTo(playing.plan.steps[again ? index - 1 : index].start);
}

function setupMediaSession() {
  if (!("mediaSession" in navigator)) return;
  const session = navigator.mediaSession, audio = $("audio");
  const handlers = {
    play: () => audio.play(),
    pause: () => audio.pause(),
    nexttrack: nextStep,
    previoustrack: previousStep,
    seekto: (details) => seekTo(details.seekTime),
  };
  for (const [action, handler] of Object.entries(handlers)) {
    try { session.setActionHandler(action, handler); } catch (e) { /* not offered here */ }
  }
}

// -- the computer's live player, steered from here -------------------------------------------

function showLive(live) {
  const box = $("live");
  if (!live || live.state === "idle") { box.hidden = true; return; }
  box.hidden = false;
  $("live-state").textContent = `· ${live.state}`;
  if (live.state === "error") {
    $("live-step").textContent = "Not playing";
    $("live-line").textContent = live.message;
    return;
  }
  $("live-step").textContent = live.step ? live.step.title : "";
  $("live-left").textContent = `${clock(live.step_left || 0)} left in this step, ${clock(live.session_left || 0)} in all`;
  $("live-next").textContent = live.next ? live.next.title : "the end";
  $("live-line").textContent = live.message || live.line || "";
  $("live-pause").textContent = live.paused ? "Go on" : "Pause";
  const over = live.state === "ended" || live.state === "stopped";
  box.querySelectorAll("button").forEach((b) => { b.disabled = over; });
}

async function liveStart() {
  const body = Object.fromEntries(params());
  try {
    showLive(await getJSON("/api/live/start", { method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) }));
  } catch (error) { showError(error.message); }
}

async function liveAction(action) {
  try {
    showLive(await getJSON(`/api/live/${action}`, { method: "POST", headers: { "Content-Type": "application/json" }, body: "{}" }));
  } catch (error) { showError(error.message); }
}

function listenLive() {
  const events = new EventSource("/api/live/events");
  events.onmessage = (message) => showLive(JSON.parse(message.data));
}

// -- wiring ----------------------------------------------------------------------------------

async function loadVoices() {
  const listed = await getJSON("/api/voices");
  const select = $("voice");
  for (const engine of listed.engines) {
    if (!engine.available) continue;
    const group = document.createElement("optgroup");
    group.label = engine.engine;
    for (const voice of engine.voices) {
      const option = document.createElement("option");
      option.value = `${engine.engine}\t${voice.id}`;
      option.textContent = `${voice.name} (${voice.languages.join(", ")})`;
      group.append(option);
    }
    select.append(group);
  }
}

function start() {
  $("length").addEventListener("input", lengthChanged);
  for (const id of ["voice", "pace", "bed"]) $(id).addEventListener("change", schedulePlan);
  $("play").addEventListener("click", play);
  $("toggle").addEventListener("click", () => { const a = $("audio"); if (a.paused) a.play(); else a.pause(); });
  $("skip").addEventListener("click", nextStep);
  $("back").addEventListener("click", previousStep);
  for (const name of ["timeupdate", "play", "pause", "seeked", "loadedmetadata"]) $("audio").addEventListener(name, follow);
  $("audio").addEventListener("error", () => showError("the session could not be played: " + (($("audio").error || {}).message || "the server did not send it")));
  $("picture-box").addEventListener("toggle", () => { if ($("picture-box").open && state.plan) $("picture").src = api("picture.svg"); });
  $("live-start").addEventListener("click", liveStart);
  document.querySelectorAll("#live [data-action]").forEach((b) => b.addEventListener("click", () => liveAction(b.dataset.action)));
  loadRoutines().catch((error) => showError(`cannot list the routines: ${error.message}`));
  loadVoices().catch(() => {});
  listenLive();
  window.voiceguide = { state, nextStep, previousStep, stepAt };
}

start();

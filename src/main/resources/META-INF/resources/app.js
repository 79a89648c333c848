// Operator page: plain ES module, no framework, no request leaves the appliance. Everything it shows comes from the
// public REST API; reading needs no key, changes send the key typed once per browser session (sessionStorage).
const $ = (id) => document.getElementById(id);
const PAGES = ['live', 'inspect', 'models', 'training', 'recipes', 'archive', 'system'];
const KEY = 'anomaly-appliance.api-key';

/** An answer other than 2xx, with the problem document when there is one. */
class ApiError extends Error {
  constructor(status, problem) {
    super((problem && (problem.detail || problem.title)) || `HTTP ${status}`);
    this.status = status;
    this.problem = problem;
  }
}

async function api(path, { method = 'GET', body, headers = {}, key = false, raw = false } = {}) {
  // a raw answer (an image, a map) takes any type: the endpoint's own, or problem+json when it fails
  const h = { Accept: raw ? '*/*' : 'application/json, application/problem+json', ...headers };
  const k = sessionStorage.getItem(KEY);
  if (key && k) h['X-API-Key'] = k;
  const res = await fetch(path, { method, body, headers: h });
  if (raw && res.ok) return res;
  const type = res.headers.get('content-type') || '';
  const data = type.includes('json') ? await res.json().catch(() => null) : null;
  if (!res.ok) throw new ApiError(res.status, data);
  return data;
}

/** What an error means for the person at the page. */
function plain(err) {
  if (!(err instanceof ApiError)) return `The appliance could not be reached (${err.message}).`;
  const detail = err.message;
  switch (err.status) {
    case 401: return 'This needs the API key. Type it in the “API key” field at the top and press Use.';
    case 403: return `The API key was refused: ${detail}. Check the key (it is the appliance's appliance.api-key).`;
    case 404: return `Not found: ${detail}.`;
    case 409: return `Not possible right now: ${detail}.`;
    case 413: return `Too large: ${detail}.`;
    case 415: return `Not an image type the appliance takes: ${detail}.`;
    case 422: return `The image could not be read: ${detail}.`;
    case 503: return `The appliance is busy or not ready: ${detail}. Try again in a moment.`;
    case 504: return `No result in time: ${detail}.`;
    default: return `Failed (${err.status}): ${detail}.`;
  }
}

function say(id, text, kind = '') {
  const el = $(id);
  el.textContent = text;
  el.className = 'msg' + (kind ? ' ' + kind : '');
}

/** Builds an element: el('div', {class: 'x'}, child, 'text', …). */
function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === null || v === undefined || v === false) continue;
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'text') e.textContent = v;
    else e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat(Infinity)) if (c !== null && c !== undefined) e.append(c.nodeType ? c : String(c));
  return e;
}

// Jackson writes NaN as the string "NaN": anything not a finite number shows as a dash
const num = (v, digits = 3) => (v === null || v === undefined || v === '' || !Number.isFinite(Number(v)) ? '–' : Number(v).toFixed(digits));
const when = (iso) => (iso ? new Date(iso).toLocaleString() : '–');
const verdictBadge = (v) => el('span', { class: `verdict ${v}`, 'data-verdict': v }, v);
function dl(pairs) {
  return el('dl', {}, pairs.filter(([, v]) => v !== undefined).map(([k, v]) => [el('dt', {}, k), el('dd', {}, v ?? '–')]));
}

// ---------------------------------------------------------------- navigation
function show() {
  const page = PAGES.includes(location.hash.slice(1)) ? location.hash.slice(1) : 'live';
  for (const p of PAGES) $('page-' + p).hidden = p !== page;
  for (const a of document.querySelectorAll('nav a')) {
    if (a.getAttribute('href') === '#' + page) a.setAttribute('aria-current', 'page');
    else a.removeAttribute('aria-current');
  }
  document.title = `${page[0].toUpperCase()}${page.slice(1)} · Anomaly appliance`;
  ({ inspect: loadRecipePicker, models: loadModels, training: loadJobs, recipes: loadRecipes, archive: () => {}, system: loadSystem })[page]?.();
}

// ---------------------------------------------------------------- API key
function keyState() {
  $('key-state').textContent = sessionStorage.getItem(KEY) ? 'key set for this session' : 'no key';
}
$('key-form').addEventListener('submit', (e) => {
  e.preventDefault();
  const v = $('api-key').value.trim();
  if (v) sessionStorage.setItem(KEY, v);
  $('api-key').value = '';
  keyState();
  show();
});
$('key-forget').addEventListener('click', () => { sessionStorage.removeItem(KEY); keyState(); });

// ---------------------------------------------------------------- appliance state (header, every 5 s)
async function refreshState() {
  let health;
  try {
    const res = await fetch('/q/health/ready', { headers: { Accept: 'application/json' } });
    health = await res.json();
  } catch (err) {
    $('state').textContent = 'UNREACHABLE';
    $('state').className = 'pill state-DOWN';
    return null;
  }
  const check = (name) => (health.checks || []).find((c) => c.name === name) || { data: {} };
  const model = check('model'), line = check('line'), mqtt = check('mqtt');
  const state = model.status === 'UP' ? (line.data?.state || 'READY') : 'STARTING';
  $('state').textContent = state;
  $('state').className = `pill state-${state}`;
  $('state').title = line.data?.fault || model.data?.reason || '';
  $('st-model').textContent = model.data?.name ? `${model.data.name}/${model.data.version}${model.data.demo ? ' (demo)' : ''}` : '–';
  $('st-backend').textContent = model.data?.backend || '–';
  const m = mqtt.data || {};
  $('st-mqtt').textContent = !m.enabled ? 'off' : `${m.connected ? 'connected' : 'disconnected'}, backlog ${m.backlog}`;
  return health;
}

// ---------------------------------------------------------------- Live
const seen = new Set();
const counts = { total: 0, OK: 0, NG: 0, ERROR: 0, UNCALIBRATED: 0 };
const LIVE_MAX = 60;

function resultCard(r) {
  const thumb = r.verdict === 'ERROR'
    ? el('div', { class: 'noimg' }, r.error?.code || 'error')
    : el('img', { src: `/api/v1/inspections/${r.id}/heatmap.png`, alt: `Heatmap overlay of ${r.part_id || r.id}`, loading: 'lazy' });
  return el('li', { class: 'result', 'data-id': r.id, 'data-verdict': r.verdict },
    el('button', { class: 'open', type: 'button', 'aria-label': `Result ${r.verdict} ${r.part_id || ''}: show details`, onclick: () => liveDetail(r) },
      thumb,
      el('div', {}, verdictBadge(r.verdict), ' ', el('strong', {}, num(r.score))),
      dl([['part', r.part_id], ['recipe', r.recipe ?? undefined], ['latency', r.timings ? `${num(r.timings.total_ms, 0)} ms` : '–'],
        ['time', new Date(r.timestamp).toLocaleTimeString()]])));
}

function liveDetail(r) {
  const box = $('live-detail');
  box.replaceChildren(
    el('h3', {}, verdictBadge(r.verdict), ' ', r.part_id || r.id),
    r.verdict === 'ERROR' ? el('p', {}, `${r.error?.code}: ${r.error?.detail}`)
      : el('img', { src: `/api/v1/inspections/${r.id}/heatmap.png`, alt: 'Full heatmap overlay' }),
    dl([['score', num(r.score, 4)], ['normalized', num(r.normalized_score, 3)], ['threshold', num(r.threshold, 4)],
      ['map max', num(r.map?.max, 4)], ['map mean', num(r.map?.mean, 4)], ['pixel threshold', num(r.map?.pixel_threshold, 4)],
      ['area above', r.map?.fraction_above == null ? '–' : `${(100 * r.map.fraction_above).toFixed(2)} %`],
      ['model', r.model ? `${r.model.name}/${r.model.version} (${r.model.backend})` : '–'],
      ['recipe', r.recipe ?? '–'], ['source', r.source], ['latency', r.timings ? `${num(r.timings.total_ms, 1)} ms (inference ${num(r.timings.inference_ms, 1)} ms)` : '–'],
      ['id', r.id]]),
    r.verdict === 'ERROR' ? '' : el('p', {}, el('a', { href: `/api/v1/inspections/${r.id}/anomaly-map.npy`, download: `${r.id}.npy` }, 'Download the map (.npy)')));
}

function addResult(r) {
  if (seen.has(r.id)) return;
  seen.add(r.id);
  counts.total++;
  if (r.verdict in counts) counts[r.verdict]++;
  for (const [k, v] of Object.entries(counts)) $('c-' + k).textContent = v;
  const list = $('live-list');
  list.prepend(resultCard(r));
  while (list.children.length > LIVE_MAX) list.lastElementChild.remove();
}

function connectLive() {
  const source = new EventSource('/api/v1/events');
  source.onopen = () => { $('live-conn').textContent = 'live'; $('live-conn').className = 'pill state-READY'; };
  source.onerror = () => { $('live-conn').textContent = 'reconnecting…'; $('live-conn').className = 'pill muted'; };
  source.onmessage = (e) => {
    const event = JSON.parse(e.data);
    if (event.type === 'result') addResult(event.result);
  };
}

// ---------------------------------------------------------------- Inspect
let recipesAvailable = null;

async function loadRecipePicker() {
  const list = await recipes();
  $('inspect-recipe-label').hidden = !list || list.recipes.length === 0;
  if (!list) return;
  const sel = $('inspect-recipe');
  const keep = sel.value;
  sel.replaceChildren(el('option', { value: '' }, '(none)'),
    ...list.recipes.map((r) => el('option', { value: r.name, selected: r.name === (keep || list.default) }, r.name)));
}

/** GET /api/v1/recipes, or null when this appliance has no recipes (404). */
async function recipes() {
  if (recipesAvailable === false) return null;
  try {
    const list = await api('/api/v1/recipes');
    recipesAvailable = true;
    return list;
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) { recipesAvailable = false; return null; }
    throw err;
  }
}

async function inspectFiles(files) {
  if (!files.length) return;
  say('inspect-msg', `Inspecting ${files.length} image${files.length > 1 ? 's' : ''}…`);
  let done = 0;
  for (const file of files) {
    const headers = { 'Content-Type': file.type || 'application/octet-stream' };
    const part = $('inspect-part').value.trim();
    if (part) headers['X-Part-Id'] = part;
    if ($('inspect-recipe').value) headers['X-Recipe'] = $('inspect-recipe').value;
    let result, error;
    try {
      result = await api('/api/v1/inspections', { method: 'POST', body: file, headers, key: true });
    } catch (err) {
      error = err;
      result = err.problem && err.problem.verdict ? err.problem : null;
    }
    $('inspect-results').prepend(inspectCard(file, result, error));
    done++;
  }
  say('inspect-msg', `${done} image${done > 1 ? 's' : ''} inspected.`, 'good');
}

function inspectCard(file, r, error) {
  const original = URL.createObjectURL(file);
  if (!r || r.verdict === 'ERROR') {
    return el('article', { class: 'card inspect-result', 'data-verdict': 'ERROR' },
      el('h3', {}, verdictBadge('ERROR'), ' ', file.name),
      el('img', { class: 'thumb', src: original, alt: `Original ${file.name}` }),
      el('p', { class: 'msg bad' }, error ? plain(error) : `${r.error?.code}: ${r.error?.detail}`));
  }
  const overlay = el('img', { class: 'overlay', src: `/api/v1/inspections/${r.id}/heatmap.png`, alt: `Heatmap overlay of ${file.name}`,
    style: `opacity: ${$('opacity').value / 100}` });
  return el('article', { class: 'card inspect-result', 'data-id': r.id, 'data-verdict': r.verdict },
    el('h3', {}, verdictBadge(r.verdict), ' ', file.name),
    el('div', { class: 'stack' }, el('img', { src: original, alt: `Original ${file.name}` }), overlay),
    dl([['score', num(r.score, 4)], ['threshold', num(r.threshold, 4)], ['normalized', num(r.normalized_score, 3)],
      ['area above', r.map?.fraction_above == null ? '–' : `${(100 * r.map.fraction_above).toFixed(2)} %`],
      ['recipe', r.recipe ?? '–'], ['model', `${r.model.name}/${r.model.version}`], ['latency', `${num(r.timings.total_ms, 0)} ms`]]),
    el('p', {}, el('a', { href: `/api/v1/inspections/${r.id}/heatmap.png`, download: `${file.name}.overlay.png` }, 'Download overlay'), ' · ',
      el('a', { href: `/api/v1/inspections/${r.id}/anomaly-map.npy`, download: `${file.name}.map.npy` }, 'Download map (.npy)')));
}

$('inspect-files').addEventListener('change', (e) => { inspectFiles([...e.target.files]); e.target.value = ''; });
$('inspect-form').addEventListener('submit', (e) => e.preventDefault());
$('opacity').addEventListener('input', () => {
  for (const img of document.querySelectorAll('#inspect-results img.overlay')) img.style.opacity = $('opacity').value / 100;
});
for (const type of ['dragenter', 'dragover']) $('drop').addEventListener(type, (e) => { e.preventDefault(); $('drop').classList.add('over'); });
$('drop').addEventListener('dragleave', () => $('drop').classList.remove('over'));
$('drop').addEventListener('drop', (e) => {
  e.preventDefault();
  $('drop').classList.remove('over');
  inspectFiles([...e.dataTransfer.files]);
});

// ---------------------------------------------------------------- Models
async function loadModels() {
  let body;
  try {
    body = await api('/api/v1/models');
  } catch (err) {
    say('models-msg', plain(err), 'bad');
    return;
  }
  $('models-repo').textContent = body.repository;
  $('models-body').replaceChildren(...body.models.map((m) => el('tr', { 'data-model': `${m.name}/${m.version}` },
    el('td', {}, m.name, m.demo ? ' (demo)' : ''), el('td', {}, m.version), el('td', {}, when(m.created_at)),
    el('td', {}, m.error ? '–' : m.calibrated ? 'yes' : 'no'), el('td', {}, m.image_size ?? '–'),
    el('td', {}, m.error ? el('span', { class: 'v-NG' }, `cannot load: ${m.error}`)
      : m.active ? el('strong', {}, 'active')
        : el('button', { type: 'button', onclick: (e) => activate(m, e.target) }, `Activate ${m.name}/${m.version}`)))));
}

async function activate(m, button) {
  button.disabled = true;
  say('models-msg', `Loading and warming ${m.name}/${m.version}…`);
  try {
    const r = await api(`/api/v1/models/${encodeURIComponent(m.name)}/${encodeURIComponent(m.version)}/activate`, { method: 'POST', key: true });
    say('models-msg', `${r.name}/${r.version} serves now on ${r.backend} (switched in ${num(r.activation_seconds, 1)} s).`, 'good');
    refreshState();
    loadModels();
  } catch (err) {
    say('models-msg', plain(err), 'bad');
    button.disabled = false;
  }
}

// ---------------------------------------------------------------- Training
let currentJob = null;
let jobTimer = null;

$('train-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const body = { data: $('t-data').value.trim(), format: $('t-format').value, epochs: Number($('t-epochs').value),
    batch_size: Number($('t-batch').value), lr: Number($('t-lr').value), device: $('t-device').value,
    pseudo_anomalies: $('t-pseudo').checked };
  if ($('t-val').value.trim()) body.validation_data = $('t-val').value.trim();
  if ($('t-clip').value.trim()) body.clip = $('t-clip').value.trim();
  if ($('t-version').value.trim()) body.version = $('t-version').value.trim();
  if ($('t-far').value) body.target_false_alarm_rate = Number($('t-far').value);
  try {
    const job = await api('/api/v1/training-jobs', { method: 'POST', key: true, body: JSON.stringify(body),
      headers: { 'Content-Type': 'application/json' } });
    say('train-msg', `Training job started.`, 'good');
    follow(job.id);
  } catch (err) {
    say('train-msg', plain(err), 'bad');
  }
});

async function loadJobs() {
  if (!sessionStorage.getItem(KEY)) {
    say('train-msg', 'Training jobs name folders on the appliance: type the API key at the top to see and start them.');
    return;
  }
  try {
    const jobs = await api('/api/v1/training-jobs', { key: true });
    $('jobs').replaceChildren(...jobs.map((j) => el('li', {},
      el('button', { type: 'button', onclick: () => follow(j.id) }, `${j.state} · ${when(j.created)} · ${j.data}`))));
    if (!currentJob && jobs.length) follow(jobs[jobs.length - 1].id);
  } catch (err) {
    say('train-msg', plain(err), 'bad');
  }
}

function follow(id) {
  currentJob = id;
  clearTimeout(jobTimer);
  pollJob();
}

async function pollJob() {
  const id = currentJob;
  let j;
  try {
    j = await api(`/api/v1/training-jobs/${id}`, { key: true });
  } catch (err) {
    say('train-msg', plain(err), 'bad');
    return;
  }
  if (id !== currentJob) return;
  renderJob(j);
  if (j.state === 'QUEUED' || j.state === 'RUNNING') jobTimer = setTimeout(pollJob, 500);
  else loadJobs();
}

// The bar shows the whole job, not the current phase: each phase with counters fills its share of the bar, and the
// bar never moves back for the same job. Evaluations (before and after training, then on the validation set) and
// phases without counters hold it where it is, so it does not fall to 0 or jump to 1 between phases.
const JOB_STAGES = { PREPARING: [0, 0], EXTRACTING_FEATURES: [0.05, 0.45], TRAINING: [0.45, 0.9], EXPORTING: [0.9, 0.9] };
const jobBar = { id: null, value: 0 };

function jobFraction(j) {
  if (jobBar.id !== j.id) Object.assign(jobBar, { id: j.id, value: 0 });
  const p = j.progress;
  let v = 0;
  if (j.state === 'SUCCEEDED' || (p && p.phase === 'DONE')) v = 1;
  else if (p && JOB_STAGES[p.phase]) {
    const [from, to] = JOB_STAGES[p.phase];
    const part = p.phase === 'TRAINING' ? (p.total_steps ? p.step / p.total_steps : 0) : (p.total ? p.done / p.total : 0);
    v = from + (to - from) * part;
  }
  jobBar.value = Math.max(jobBar.value, v);
  return jobBar.value;
}

function renderJob(j) {
  $('job').hidden = false;
  $('job-id').textContent = j.id;
  $('job-state').textContent = j.state;
  $('job-state').className = `pill state-${{ SUCCEEDED: 'READY', FAILED: 'FAULT', CANCELLED: 'DOWN' }[j.state] || 'STARTING'}`;
  const p = j.progress;
  const fraction = jobFraction(j);
  let text = j.state === 'QUEUED' ? 'Waiting for the job before it.' : '';
  if (p) {
    const phase = p.phase.toLowerCase().replace(/_/g, ' ');
    if (p.phase === 'TRAINING') {
      text = `${phase}: epoch ${p.epoch}/${p.epochs}, step ${p.step}/${p.total_steps}, loss ${num(p.loss, 4)}`;
    } else {
      text = p.phase === 'DONE' ? 'Finished.' : p.total ? `${phase}: ${p.done}/${p.total}` : phase;
    }
    if (p.eta_seconds !== null && Number.isFinite(Number(p.eta_seconds)) && p.phase !== 'DONE') {
      text += `, ETA ${Math.round(p.eta_seconds)} s`;
    }
  }
  if (j.error) text = `Failed: ${j.error}`;
  $('job-progress').value = fraction;
  $('job-progress').setAttribute('aria-valuetext', `${Math.round(fraction * 100)} %`);
  $('job-text').textContent = text;
  $('job-cancel').hidden = !(j.state === 'QUEUED' || j.state === 'RUNNING');
  $('job-activate').hidden = j.state !== 'SUCCEEDED';
  $('job-metrics').replaceChildren(metricsTable(j));
}

function metricsTable(j) {
  if (!j.metrics) return '';
  const cols = [['training_before', 'before (training data)'], ['training', 'after (training data)'], ['validation', 'after (validation)']]
    .filter(([k]) => j.metrics[k]);
  const names = [...new Set(cols.flatMap(([k]) => Object.keys(j.metrics[k].mean || {})))];
  const table = el('table', { id: 'job-metrics-table' },
    el('caption', {}, 'Metrics before and after training (mean over classes)'),
    el('thead', {}, el('tr', {}, el('th', { scope: 'col' }, 'metric'), cols.map(([, label]) => el('th', { scope: 'col' }, label)))),
    el('tbody', {}, names.map((n) => el('tr', {}, el('th', { scope: 'row' }, n.replace(/_/g, ' ')),
      cols.map(([k]) => el('td', {}, num(j.metrics[k].mean[n], 3)))))));
  const cal = j.calibration;
  return el('div', {}, table, cal ? el('p', {}, `Calibration: image threshold ${num(cal.image_threshold, 4)} (${cal.method || '–'})`) : '',
    j.epoch_losses ? el('p', {}, `Loss per epoch: ${j.epoch_losses.map((l) => num(l, 4)).join(', ')}`) : '');
}

$('job-cancel').addEventListener('click', async () => {
  try {
    renderJob(await api(`/api/v1/training-jobs/${currentJob}`, { method: 'DELETE', key: true }));
  } catch (err) {
    say('train-msg', plain(err), 'bad');
  }
});
$('job-activate').addEventListener('click', async () => {
  say('train-msg', 'Loading and warming the new model…');
  try {
    const r = await api(`/api/v1/training-jobs/${currentJob}/activate`, { method: 'POST', key: true });
    say('train-msg', `${r.name}/${r.version} serves now on ${r.backend}.`, 'good');
    refreshState();
  } catch (err) {
    say('train-msg', plain(err), 'bad');
  }
});

// ---------------------------------------------------------------- Recipes
async function loadRecipes() {
  let list;
  try {
    list = await recipes();
  } catch (err) {
    say('recipes-msg', plain(err), 'bad');
    return;
  }
  if (!list) {
    $('recipes-ui').hidden = true;
    say('recipes-msg', 'Recipes are not available on this appliance: its API has no /api/v1/recipes.');
    return;
  }
  $('recipes-ui').hidden = false;
  say('recipes-msg', list.recipes.length ? '' : 'No recipes yet: create one from good images below.');
  $('recipes-body').replaceChildren(...list.recipes.map((r) => el('tr', { 'data-recipe': r.name },
    el('td', {}, r.name, r.name === list.default ? ' (default)' : ''), el('td', {}, r.references), el('td', {}, `${r.mode}, k=${r.k}`),
    el('td', {}, r.roi ? `${r.roi.x},${r.roi.y} ${r.roi.width}×${r.roi.height}` : 'whole image',
      r.tiles ? `, ${r.tiles.rows}×${r.tiles.cols} tiles` : ''),
    el('td', {}, num(r.threshold, 4)), el('td', {}, r.bank ? `${r.bank.state}${r.bank.error ? ': ' + r.bank.error : ''}` : '–'),
    el('td', {}, el('button', { type: 'button', onclick: () => recipeDetail(r.name) }, `Show ${r.name}`), ' ',
      el('button', { type: 'button', onclick: () => deleteRecipe(r.name) }, `Delete ${r.name}`)))));
  return list;
}

async function recipeDetail(name) {
  try {
    const r = await api(`/api/v1/recipes/${encodeURIComponent(name)}`);
    $('recipe-detail').replaceChildren(el('h3', {}, `Recipe ${r.name}`),
      dl([['threshold', num(r.threshold, 4)], ['references', r.references], ['mode', `${r.mode}, k=${r.k}`],
        ['roi', r.roi ? `${r.roi.x},${r.roi.y} ${r.roi.width}×${r.roi.height}` : 'whole image'],
        ['tiles', r.tiles ? `${r.tiles.rows}×${r.tiles.cols}, overlap ${r.tiles.overlap}` : 'none'], ['created', when(r.created_at)],
        ['bank', r.bank ? `${r.bank.state}, ${r.bank.patches} patches, model ${r.bank.model ?? '–'}${r.bank.error ? ': ' + r.bank.error : ''}` : '–'],
        ...(r.max_patches ? [['bank bound', `at most ${r.max_patches} patches per tap (coreset)`]] : [])]),
      el('div', { class: 'refs' }, (r.reference_images || []).map((f) =>
        el('img', { src: `/api/v1/recipes/${encodeURIComponent(name)}/references/${encodeURIComponent(f)}`, alt: `Reference ${f}` }))));
  } catch (err) {
    say('recipes-msg', plain(err), 'bad');
  }
}

async function deleteRecipe(name) {
  if (!confirm(`Delete recipe ${name}?`)) return;
  try {
    await api(`/api/v1/recipes/${encodeURIComponent(name)}`, { method: 'DELETE', key: true });
    $('recipe-detail').replaceChildren();
    await loadRecipes();
    loadRecipePicker();
    say('recipes-msg', `Recipe ${name} deleted.`, 'good');
  } catch (err) {
    say('recipes-msg', plain(err), 'bad');
  }
}

// ROI: drag on the first good image (or type the numbers); coordinates are in the image's own pixels.
const roi = { image: null, scale: 1, start: null };
$('r-files').addEventListener('change', async () => {
  const file = $('r-files').files[0];
  if (!file) return;
  try {
    roi.image = await createImageBitmap(file);
  } catch (err) {
    roi.image = null;
    say('recipes-msg', `${file.name} is not an image this browser can show; type the region of interest instead.`, 'bad');
  }
  drawRoi();
});
for (const id of ['r-x', 'r-y', 'r-w', 'r-h']) $(id).addEventListener('input', drawRoi);
function drawRoi() {
  const c = $('roi-canvas'), g = c.getContext('2d');
  g.clearRect(0, 0, c.width, c.height);
  c.dataset.image = roi.image ? `${roi.image.width}x${roi.image.height}` : '';
  if (!roi.image) return;
  roi.scale = Math.min(c.width / roi.image.width, c.height / roi.image.height);
  g.drawImage(roi.image, 0, 0, roi.image.width * roi.scale, roi.image.height * roi.scale);
  const [x, y, w, h] = ['r-x', 'r-y', 'r-w', 'r-h'].map((id) => Number($(id).value));
  if (w > 0 && h > 0) {
    g.strokeStyle = '#ff6b35';
    g.lineWidth = 2;
    g.strokeRect(x * roi.scale, y * roi.scale, w * roi.scale, h * roi.scale);
  }
}
const canvasPoint = (e) => {
  const r = $('roi-canvas').getBoundingClientRect();
  const k = $('roi-canvas').width / r.width / roi.scale;
  const clamp = (v, max) => Math.min(max, Math.max(0, Math.round(v)));
  return [clamp((e.clientX - r.left) * k, roi.image.width), clamp((e.clientY - r.top) * k, roi.image.height)];
};
$('roi-canvas').addEventListener('pointerdown', (e) => {
  if (!roi.image) return;
  roi.start = canvasPoint(e);
  $('roi-canvas').setPointerCapture(e.pointerId);
});
$('roi-canvas').addEventListener('pointermove', (e) => {
  if (!roi.start) return;
  const [x, y] = canvasPoint(e);
  $('r-x').value = Math.min(x, roi.start[0]);
  $('r-y').value = Math.min(y, roi.start[1]);
  $('r-w').value = Math.abs(x - roi.start[0]);
  $('r-h').value = Math.abs(y - roi.start[1]);
  drawRoi();
});
$('roi-canvas').addEventListener('pointerup', () => { roi.start = null; });

$('recipe-form').addEventListener('submit', async (e) => {
  e.preventDefault();
  const name = $('r-name').value.trim();
  const form = new FormData();
  for (const f of $('r-files').files) form.append('good', f, f.name);
  const settings = { mode: $('r-mode').value };
  if ($('r-k').value) settings.k = Number($('r-k').value);
  if ($('r-max-patches').value) settings.max_patches = Number($('r-max-patches').value);
  const [x, y, w, h] = ['r-x', 'r-y', 'r-w', 'r-h'].map((id) => Number($(id).value));
  if (w > 0 && h > 0) settings.roi = { x, y, width: w, height: h };
  const [rows, cols] = ['r-rows', 'r-cols'].map((id) => Number($(id).value));
  if (rows > 0 && cols > 0) settings.tiles = { rows, cols, overlap: Number($('r-overlap').value || 0) };
  form.append('settings', JSON.stringify(settings));
  say('recipes-msg', `Creating recipe ${name}…`);
  try {
    // answered at once (202); the bank builds in the background, which takes minutes for a full-size model on a CPU
    const path = `/api/v1/recipes/${encodeURIComponent(name)}`;
    let r = await api(`${path}?wait=false`, { method: 'POST', body: form, key: true });
    await loadRecipes();
    for (let seconds = 0; r.bank && r.bank.state === 'BUILDING'; seconds++) {
      say('recipes-msg', `Recipe ${name} stored; building its bank for ${r.bank.model}… (${seconds} s)`);
      await new Promise((done) => setTimeout(done, 1000));
      r = await api(path);
    }
    await loadRecipes();
    loadRecipePicker();
    recipeDetail(name);
    const bank = r.bank && r.bank.state !== 'READY' ? ` Its bank is ${r.bank.state}${r.bank.error ? ': ' + r.bank.error : ''}.` : '';
    say('recipes-msg', `Recipe ${name} created${r.threshold == null ? ' (no threshold: give more good images or validation images)' : ''}.${bank}`,
      bank ? 'bad' : 'good');
  } catch (err) {
    say('recipes-msg', plain(err), 'bad');
  }
});

// ---------------------------------------------------------------- Archive
let archiveCursor = null;
$('archive-form').addEventListener('submit', (e) => { e.preventDefault(); loadArchive(false); });
$('archive-more').addEventListener('click', () => loadArchive(true));

async function loadArchive(more) {
  const q = new URLSearchParams({ limit: '24' });
  if ($('a-verdict').value) q.set('verdict', $('a-verdict').value);
  if ($('a-from').value) q.set('from', new Date($('a-from').value).toISOString());
  if ($('a-to').value) q.set('to', new Date($('a-to').value).toISOString());
  if ($('a-part').value.trim()) q.set('part_id', $('a-part').value.trim());
  if (more && archiveCursor) q.set('cursor', archiveCursor);
  let page;
  try {
    page = await api('/api/v1/archive?' + q, { key: true });
  } catch (err) {
    say('archive-msg', err.status === 404 ? `The archive is not available: ${err.message}.` : plain(err), err.status === 404 ? '' : 'bad');
    return;
  }
  say('archive-msg', page.entries.length || more ? '' : 'Nothing archived matches.');
  if (!more) $('archive-list').replaceChildren();
  for (const entry of page.entries) $('archive-list').append(archiveCard(entry));
  archiveCursor = page.next_cursor;
  $('archive-more').hidden = !archiveCursor;
}

function archiveCard(a) {
  const img = el('img', { class: 'thumb', alt: `Overlay of ${a.part_id || a.id}` });
  const url = `/api/v1/archive/${encodeURIComponent(a.id)}/${a.overlay ? 'overlay.png' : 'image'}`;
  api(url, { key: true, raw: true }).then((res) => res.blob()).then((b) => { img.src = URL.createObjectURL(b); })
    .catch((err) => { img.alt = `Image not available: ${plain(err)}`; img.title = img.alt; });
  return el('article', { class: 'card', 'data-id': a.id, 'data-verdict': a.verdict },
    el('h3', {}, verdictBadge(a.verdict), ' ', a.part_id || ''), img,
    dl([['time', when(a.timestamp)], ['input', a.input_type], ['size', `${Math.round(a.bytes / 1024)} KiB`], ['id', a.id]]));
}

// ---------------------------------------------------------------- System
async function loadSystem() {
  const health = await refreshState();
  if (health) {
    $('system-checks').replaceChildren(...(health.checks || []).map((c) => el('article', { class: 'card', 'data-check': c.name },
      el('h3', {}, c.name, ' ', el('span', { class: `pill state-${c.status === 'UP' ? 'READY' : 'FAULT'}` }, c.status)),
      dl(Object.entries(c.data || {}).map(([k, v]) => [k.replace(/_/g, ' '), String(v)])))));
    say('system-msg', `Overall: ${health.status}.`, health.status === 'UP' ? 'good' : 'bad');
  }
  try {
    const text = await (await fetch('/q/metrics', { headers: { Accept: 'text/plain' } })).text();
    $('system-metrics').replaceChildren(...keyMetrics(text).map(([k, v]) => el('tr', {}, el('th', { scope: 'row' }, k), el('td', {}, v))));
  } catch (err) {
    say('system-msg', plain(err), 'bad');
  }
}

/** A few figures from the Prometheus text: counts by verdict, mean inference time, queue, MQTT. */
function keyMetrics(text) {
  const samples = [];
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*)(\{[^}]*\})?\s+(\S+)/.exec(line);
    if (m) samples.push({ name: m[1], labels: m[2] || '', value: Number(m[3]) });
  }
  const sum = (name, filter = () => true) => samples.filter((s) => s.name === name && filter(s)).reduce((a, s) => a + s.value, 0);
  const rows = [];
  for (const v of ['OK', 'NG', 'UNCALIBRATED', 'ERROR']) {
    rows.push([`inspections ${v}`, sum('appliance_inspections_total', (s) => s.labels.includes(`verdict="${v}"`))]);
  }
  const n = sum('appliance_inference_seconds_count');
  rows.push(['mean inference time', n ? `${(1000 * sum('appliance_inference_seconds_sum') / n).toFixed(1)} ms per batch` : '–']);
  rows.push(['queue depth', sum('appliance_queue_depth')]);
  rows.push(['requests rejected', sum('appliance_requests_rejected_total')]);
  rows.push(['MQTT backlog', sum('appliance_mqtt_backlog')]);
  rows.push(['MQTT published', sum('appliance_mqtt_published')]);
  return rows;
}

// ---------------------------------------------------------------- start
window.addEventListener('hashchange', show);
keyState();
show();
refreshState();
setInterval(refreshState, 5000);
connectLive();

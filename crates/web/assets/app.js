// rocust web UI: the page the `rocust-web` crate serves at its base path.
//
// Plain ES2020, no framework and no build step: the server embeds this file as
// it is. Every URL is relative ("stats/requests", "./assets/..") so the page
// also works under `--web-base-path /locust/`. Data comes from Locust 2.47's
// HTTP API (same paths, form keys and JSON keys) plus two rocust extensions:
// `stats/history` (chart history at 1 s resolution that survives a reload) and
// `status_codes` in /stats/requests. Either may be missing: the page then
// falls back to what Locust's own page does.
//
// Sections: 1 helpers, 2 API client, 3 state, 4 header, 5 forms, 6 tables,
// 7 charts, 8 tabs, 9 polling, 10 start-up.
'use strict';

(() => {
  // ------------------------------------------------------------------ 1. helpers

  const TA = window.templateArgs && typeof window.templateArgs === 'object' ? window.templateArgs : {};
  const $ = (sel, root = document) => root.querySelector(sel);

  const ESC = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
  // Every server string goes through esc(): request names may contain <html>.
  const esc = (s) => String(s ?? '').replace(/[&<>"']/g, (c) => ESC[c]);

  // Build DOM for the interactive parts (forms, dialogs); big tables use HTML strings.
  function h(tag, props, ...kids) {
    const e = document.createElement(tag);
    for (const [k, v] of Object.entries(props || {})) {
      if (v == null || v === false) continue;
      if (k === 'class') e.className = v;
      else if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
      else e.setAttribute(k, v === true ? '' : String(v));
    }
    for (const kid of kids.flat(Infinity)) {
      if (kid != null && kid !== false) e.append(kid instanceof Node ? kid : String(kid));
    }
    return e;
  }

  // localStorage can throw (private mode, disabled storage); the page must not.
  const store = {
    get(key, fallback) {
      try {
        const v = localStorage.getItem(key);
        return v == null ? fallback : JSON.parse(v);
      } catch { return fallback; }
    },
    set(key, value) {
      try { localStorage.setItem(key, JSON.stringify(value)); } catch { /* ignore */ }
    },
  };

  // Python's str(float): 0.5 -> "0.5", 1.0 -> "1.0". Server keys are built that way.
  const pyKey = (p) => (Number.isInteger(p) ? p.toFixed(1) : String(p));
  const pctLabel = (p) => String(+(p * 100).toFixed(4)); // 0.999 -> "99.9"
  const pctOf = (obj, p) => (obj ? obj[pyKey(p)] ?? obj[String(p)] ?? null : null);

  const round = (v, d = 2) => { const m = 10 ** d; return Math.round(v * m) / m; };
  function fmtNum(v, d = 2) {
    if (v == null || v === '') return '';
    const n = Number(v);
    return Number.isFinite(n) ? String(round(n, d)) : String(v);
  }
  function fmtBytes(n) {
    n = Number(n);
    if (!Number.isFinite(n)) return '';
    const units = ['B', 'KB', 'MB', 'GB', 'TB'];
    let i = 0;
    while (Math.abs(n) >= 1024 && i < units.length - 1) { n /= 1024; i++; }
    return `${i ? n.toFixed(1) : n} ${units[i]}`;
  }
  // Short axis labels: 1200 -> 1.2k.
  function fmtCompact(v) {
    const a = Math.abs(v);
    if (a >= 1e9) return `${round(v / 1e9, 1)}G`;
    if (a >= 1e6) return `${round(v / 1e6, 1)}M`;
    if (a >= 1e4) return `${round(v / 1e3, 1)}k`;
    return String(round(v, 2));
  }
  const fmtClock = (s) => new Date(s * 1000).toLocaleTimeString();
  const fmtDateTime = (s) => (s ? new Date(s * 1000).toLocaleString() : '');
  const titleCase = (s) => String(s).replace(/[_-]+/g, ' ').replace(/\b\w/g, (c) => c.toUpperCase());

  // Locust's history stamps are epoch seconds, ISO strings or "HH:MM:SS"; accept all.
  function toEpoch(t) {
    if (typeof t === 'number') return t > 1e12 ? t / 1000 : t;
    if (typeof t !== 'string') return NaN;
    const ms = Date.parse(t);
    if (!Number.isNaN(ms)) return ms / 1000;
    const m = /^(\d\d):(\d\d):(\d\d)$/.exec(t);
    if (!m) return NaN;
    const d = new Date();
    d.setHours(+m[1], +m[2], +m[3], 0);
    return d.getTime() / 1000;
  }

  let toastTimer = 0;
  function toast(msg, kind = 'info') {
    const t = $('#toast');
    t.textContent = msg;
    t.className = `toast toast-${kind}`;
    t.hidden = false;
    clearTimeout(toastTimer);
    toastTimer = setTimeout(() => { t.hidden = true; }, 3500);
  }

  // ------------------------------------------------------------------ 2. API client

  // One wrapper for every call: it never throws. A 401 (or a redirect to the
  // login page) reloads the page so the server can show its login form.
  let reloading = false;
  const api = {
    async call(path, { method = 'GET', body = null, as = 'json' } = {}) {
      let res;
      try {
        res = await fetch(path, {
          method,
          body,
          cache: 'no-store',
          credentials: 'same-origin',
          headers: { Accept: as === 'json' ? 'application/json' : 'text/plain, */*' },
        });
      } catch (e) {
        return { ok: false, status: 0, error: `Cannot reach the server (${e.message || e})` };
      }
      if (res.status === 401 || (res.redirected && /\/login$/.test(new URL(res.url).pathname))) {
        if (!reloading) { reloading = true; location.reload(); }
        return { ok: false, status: 401, error: 'Login required' };
      }
      let text = '';
      try { text = await res.text(); } catch { /* body lost */ }
      if (as !== 'json') {
        return res.ok ? { ok: true, status: res.status, data: text }
          : { ok: false, status: res.status, error: `HTTP ${res.status}: ${text.slice(0, 200)}` };
      }
      let data;
      try { data = JSON.parse(text); } catch {
        return { ok: false, status: res.status, error: `Unexpected answer (HTTP ${res.status}): ${text.slice(0, 200)}` };
      }
      return { ok: res.ok, status: res.status, data, error: res.ok ? null : `HTTP ${res.status}` };
    },
    get(path) { return this.call(path); },
    post(path, params, as = 'json') {
      return this.call(path, { method: 'POST', body: params || new URLSearchParams(), as });
    },
  };

  // A banner says when the server cannot be reached; the next success clears it.
  function connection(result) {
    const b = $('#banner');
    if (result.ok || result.status === 404) { b.hidden = true; return; }
    if (result.status === 0 || result.status >= 500) {
      b.textContent = `${result.error}. Retrying…`;
      b.hidden = false;
    }
  }

  // ------------------------------------------------------------------ 3. state

  // A shape class picked in the locustfile (no class picker) runs the test and
  // the users/ramp fields do not apply (Locust's hide_common_options).
  const SHAPE_AUTO = !!TA.hide_common_options
    || (!!TA.shape_class && !TA.show_userclass_picker && !TA.shape_use_common_options);
  const RUNNING = new Set(['spawning', 'running']);
  const ACTIVE = new Set(['spawning', 'running', 'stopping', 'cleanup']);

  const S = {
    state: TA.state || 'ready',
    host: TA.host || '',
    workerCount: TA.worker_count || 0,
    userCount: TA.user_count || 0,
    stats: null, // last /stats/requests answer
    exceptions: null,
    tasks: null,
    logs: null,
    theme: document.documentElement.dataset.theme === 'dark' ? 'dark' : 'light',
    // A shape class drives the users; the edit form is then disabled.
    shapeInUse: SHAPE_AUTO,
    // Values the next start/edit form shows: the last ones submitted.
    form: {
      user_count: TA.user_count || TA.num_users || 1,
      spawn_rate: TA.spawn_rate || 1,
      host: TA.host || '',
      run_time: TA.run_time || '',
      profile: TA.profile || '',
      extra: {},
    },
  };

  let startedAt = 0; // when this page last started a test (optimistic state)
  const isRunning = () => RUNNING.has(S.state);
  const isActive = () => ACTIVE.has(S.state);

  function setState(next) {
    if (!next || next === S.state) return;
    const prev = S.state;
    S.state = next;
    if (RUNNING.has(next) && !RUNNING.has(prev)) {
      charts.runStarted();
      pollers.fast.kick();
      pollers.slow.kick();
    }
    if (ACTIVE.has(prev) && !ACTIVE.has(next)) pollers.slow.kick(true); // final logs/exceptions
    renderHeader();
    renderView();
  }

  // ------------------------------------------------------------------ 4. header

  function renderHeader() {
    const items = [['Host', S.host || '—', 'host'], ['Status', S.state, 'status']];
    if (isRunning()) items.push(['Users', S.stats?.user_count ?? S.userCount ?? 0]);
    if (TA.is_distributed) items.push(['Workers', S.workerCount]);
    items.push(['RPS', fmtFixed(S.stats?.current_rps, 2)]);
    items.push(['Failures', `${Math.round((S.stats?.fail_ratio || 0) * 100)}%`]);
    $('#monitor').innerHTML = items.map(([k, v, cls]) =>
      `<div class="mon ${cls || ''}"><dt>${k}</dt><dd title="${esc(v)}">${esc(v)}</dd></div>`).join('');

    // Rebuild the buttons only when the set changes: keyboard focus survives the polls.
    const btns = $('#state-buttons');
    const set = isRunning() ? 'running' : S.state === 'stopped' ? 'stopped' : 'other';
    if (btns.dataset.set === set) return;
    btns.dataset.set = set;
    btns.textContent = '';
    if (isRunning()) {
      btns.append(h('button', { type: 'button', class: 'btn', onclick: openEdit }, 'Edit'));
      btns.append(h('button', { type: 'button', class: 'btn btn-danger', onclick: stopTest }, 'Stop'));
    } else if (S.state === 'stopped') {
      btns.append(h('button', { type: 'button', class: 'btn btn-primary', onclick: openNew }, 'New'));
    }
    btns.append(h('button', { type: 'button', class: 'btn', onclick: resetStats }, 'Reset'));
  }
  const fmtFixed = (v, d) => (Number.isFinite(Number(v)) ? Number(v).toFixed(d) : (0).toFixed(d));

  async function stopTest(ev) {
    ev.currentTarget.disabled = true;
    const r = await api.post('stop');
    if (!r.ok || (r.data && r.data.success === false)) toast(r.data?.message || r.error || 'Stop failed', 'error');
    else toast(r.data?.message || 'Test stopped');
    pollers.fast.kick(true);
  }

  async function resetStats() {
    const r = await api.post('stats/reset', null, 'text');
    if (r.ok) {
      toast('Statistics reset');
      pollers.fast.kick(true);
      pollers.slow.kick(true);
    } else {
      toast(`Reset failed: ${r.error}`, 'error');
    }
  }

  function applyTheme(theme) {
    S.theme = theme;
    document.documentElement.dataset.theme = theme;
    const next = theme === 'dark' ? 'light' : 'dark';
    const b = $('#theme-toggle');
    b.title = `Switch to ${next} theme`;
    b.setAttribute('aria-label', b.title);
    tabs.rerender('reports'); // the report link carries the theme
    charts.rerender(); // axis colours come from CSS, tooltips too; cheap to redraw
  }

  // ------------------------------------------------------------------ 5. forms

  const URL_RE = /^[a-zA-Z][a-zA-Z\d+.-]*:\/\/[^\s/$.?#][^\s]*$/;
  const SHAPE_MSG = 'Disabled for tests using LoadTestShape class';
  const NO_WORKERS = "You can't start a distributed test before at least one worker processes has connected";
  const liveForms = new Set(); // forms that react to the worker count

  function field(label, input, extra) {
    return h('label', { class: 'field' }, h('span', { class: 'field-label' }, label), input, extra);
  }

  // One input per custom option (Locust's `extra_options`).
  function customInput(name, opt) {
    const label = opt.help_text ? `${titleCase(name)} (${opt.help_text})` : titleCase(name);
    const saved = S.form.extra[name];
    const def = saved !== undefined ? saved : opt.default_value;
    if (Array.isArray(opt.choices) && opt.choices.length) {
      const chosen = new Set((Array.isArray(def) ? def : [def]).map(String));
      const sel = h('select', { name, multiple: !!opt.is_multiple, required: !!opt.is_required },
        opt.choices.map((c) => h('option', { value: c, selected: chosen.has(String(c)) }, c)));
      return field(label, sel);
    }
    if (typeof opt.default_value === 'boolean') {
      const cb = h('input', { type: 'checkbox', name, 'data-bool': '1', checked: def === true || def === 'true' });
      return h('label', { class: 'check' }, cb, h('span', null, label));
    }
    const value = Array.isArray(def) ? def.join(',') : def ?? '';
    if (opt.is_secret) {
      const inp = h('input', { type: 'password', name, value, required: !!opt.is_required, autocomplete: 'off' });
      const toggle = h('button', {
        type: 'button', class: 'btn btn-small', 'aria-pressed': 'false',
        onclick: () => {
          const show = inp.type === 'password';
          inp.type = show ? 'text' : 'password';
          toggle.textContent = show ? 'Hide' : 'Show';
          toggle.setAttribute('aria-pressed', String(show));
        },
      }, 'Show');
      return field(label, h('span', { class: 'with-btn' }, inp, toggle));
    }
    return field(label, h('input', { type: 'text', name, value, required: !!opt.is_required }));
  }

  // Form fields -> urlencoded body: snake_case keys, arrays as repeated keys,
  // booleans as "true"/"false"; disabled fields are left out.
  function formParams(form) {
    const p = new URLSearchParams();
    for (const el of form.elements) {
      if (!el.name || el.disabled) continue;
      if (el.type === 'checkbox') {
        if (el.dataset.bool) p.append(el.name, el.checked ? 'true' : 'false');
        else if (el.checked) p.append(el.name, el.value);
      } else if (el.tagName === 'SELECT' && el.multiple) {
        for (const o of el.selectedOptions) p.append(el.name, o.value);
      } else {
        p.append(el.name, el.value);
      }
    }
    return p;
  }

  function userClassPicker() {
    const classes = TA.available_user_classes || [];
    const users = TA.users || {};
    const all = h('input', { type: 'checkbox', checked: true, 'aria-label': 'Select all User classes' });
    const boxes = classes.map((c) => h('input', { type: 'checkbox', name: 'user_classes', value: c, checked: true }));
    const sync = () => {
      const n = boxes.filter((b) => b.checked).length;
      all.checked = n === boxes.length;
      all.indeterminate = n > 0 && n < boxes.length;
    };
    all.addEventListener('change', () => { boxes.forEach((b) => { b.checked = all.checked; }); });
    boxes.forEach((b) => b.addEventListener('change', sync));
    return h('div', { class: 'table-wrap picker' },
      h('table', { class: 'table' },
        h('caption', null, 'User Classes'),
        h('thead', null, h('tr', null, h('th', { class: 'cb' }, all), h('th', null, 'Class'), h('th', null, 'Host'),
          h('th', { class: 'num' }, 'Weight'), h('th', { class: 'num' }, 'Fixed count'))),
        h('tbody', null, classes.map((c, i) => h('tr', null,
          h('td', { class: 'cb' }, boxes[i]), h('td', null, c), h('td', null, users[c]?.host || ''),
          h('td', { class: 'num' }, users[c]?.weight ?? ''), h('td', { class: 'num' }, users[c]?.fixed_count ?? ''))))));
  }

  // The start form ('start') and the edit form ('edit') share this builder.
  function swarmForm(mode, onDone) {
    const edit = mode === 'edit';
    const f = S.form;
    const err = h('div', { class: 'alert alert-error', role: 'alert', hidden: true });
    const showError = (msg) => { err.textContent = msg; err.hidden = !msg; };

    let shapeSelected = !edit && SHAPE_AUTO;
    const commonLocked = () => (edit ? S.shapeInUse : shapeSelected && !TA.shape_use_common_options);
    const users = h('input', { type: 'number', name: 'user_count', min: 0, step: 1, required: true, inputmode: 'numeric', value: f.user_count, autofocus: !!onDone });
    const rate = h('input', { type: 'number', name: 'spawn_rate', min: 0, step: 'any', required: true, inputmode: 'decimal', value: f.spawn_rate });
    const runTime = h('input', { type: 'text', name: 'run_time', value: f.run_time, autocomplete: 'off', spellcheck: 'false' });

    const fields = [];
    if (!edit && TA.show_userclass_picker) {
      fields.push(userClassPicker());
      const shapes = TA.available_shape_classes || ['Default'];
      const shape = h('select', { name: 'shape_class' }, shapes.map((s) => h('option', { value: s }, s)));
      shape.addEventListener('change', () => { shapeSelected = shape.value !== shapes[0]; lockCommon(); });
      fields.push(field('Shape Class', shape));
    }
    fields.push(field('Number of users (peak concurrency)', users));
    fields.push(field('Ramp up (users started/second)', rate));

    let hostInfo = null;
    if (!edit) {
      const hostLabel = `Host${TA.override_host_warning ? ' (setting this will override the host for the User classes)' : ''}`;
      const host = h('input', { type: 'text', name: 'host', value: f.host, required: !!TA.is_host_required, inputmode: 'url', autocomplete: 'off', spellcheck: 'false' });
      const warn = h('div', { class: 'hint hint-warn', hidden: true }, 'Please use a valid url format e.g. https://google.com');
      hostInfo = h('div', { class: 'alert alert-info', hidden: true },
        'One or more User class in your locustfile has no host attribute set. Please provide one in the field above.');
      // A URL that does not look like one only warns (as Locust): checked when
      // the field is left, then as the user corrects it.
      const checkUrl = () => { warn.hidden = !host.value || URL_RE.test(host.value.trim()); };
      const checkMissing = () => { hostInfo.hidden = !(TA.missing_host_warning && !TA.is_host_required && !host.value); };
      host.addEventListener('blur', checkUrl);
      host.addEventListener('input', () => { if (!warn.hidden) checkUrl(); checkMissing(); });
      checkMissing();
      fields.push(field(hostLabel, host, warn));

      const profiles = Array.isArray(TA.all_profiles) ? TA.all_profiles : [];
      const listId = `profiles-${Math.random().toString(36).slice(2)}`;
      fields.push(h('details', { class: 'acc' }, h('summary', null, 'Advanced options'),
        h('div', { class: 'acc-body' },
          field('Run time (e.g. 20, 20s, 3m, 2h, 1h20m, 3h30m10s, etc.)', runTime),
          field('Profile', h('input', { type: 'text', name: 'profile', value: f.profile, list: listId, autocomplete: 'off' })),
          h('datalist', { id: listId }, profiles.map((p) => h('option', { value: p }))))));
    }

    const extra = TA.extra_options && typeof TA.extra_options === 'object' ? Object.entries(TA.extra_options) : [];
    if (extra.length) {
      fields.push(h('details', { class: 'acc' }, h('summary', null, 'Custom parameters'),
        h('div', { class: 'acc-body' }, extra.map(([name, opt]) => customInput(name, opt || {})))));
    }

    const shapeNote = h('div', { class: 'alert alert-info', hidden: true }, SHAPE_MSG);
    const noWorkers = h('div', { class: 'alert alert-error', hidden: true }, NO_WORKERS);
    const submit = h('button', { type: 'submit', class: 'btn btn-primary btn-large' }, edit ? 'Update' : 'Start');
    const fs = h('fieldset', { class: 'form-fields' }, fields, hostInfo, shapeNote, err, noWorkers, submit);
    const form = h('form', { class: 'swarm-form' },
      h('h2', { id: onDone ? 'swarm-dialog-title' : null }, edit ? 'Edit running load test' : 'Start new load test'), fs);

    function lockCommon() {
      const locked = commonLocked();
      for (const inp of [users, rate, runTime]) {
        inp.disabled = locked;
        inp.title = locked ? SHAPE_MSG : '';
      }
      shapeNote.hidden = !locked;
      if (edit) submit.disabled = locked;
    }
    form.updateAvailability = () => {
      const blocked = !edit && TA.is_distributed && !S.workerCount;
      noWorkers.hidden = !blocked;
      fs.disabled = !!blocked;
    };
    lockCommon();
    form.updateAvailability();
    liveForms.add(form);

    form.addEventListener('input', () => showError(''));
    form.addEventListener('submit', async (ev) => {
      ev.preventDefault();
      if (!form.reportValidity()) return;
      const params = formParams(form);
      if (!edit && TA.show_userclass_picker && !params.getAll('user_classes').length) {
        showError('Select at least one User class.');
        return;
      }
      submit.disabled = true;
      const r = await api.post('swarm', params);
      submit.disabled = false;
      lockCommon();
      if (!(r.ok && r.data && r.data.success)) {
        showError(r.data?.message || r.error || 'An unknown error occurred.');
        return;
      }
      rememberForm(params);
      if (!edit) {
        S.host = r.data.host ?? params.get('host') ?? S.host;
        S.shapeInUse = commonLocked();
        liveForms.delete(form);
        startedAt = Date.now();
        setState('running'); // as Locust: running at once, the polls correct it
      } else {
        toast(r.data.message || 'Load test updated');
      }
      renderHeader();
      onDone?.();
    });
    return form;
  }

  function rememberForm(params) {
    const known = new Set(['user_count', 'spawn_rate', 'host', 'run_time', 'profile', 'user_classes', 'shape_class']);
    for (const k of ['user_count', 'spawn_rate', 'host', 'run_time', 'profile']) {
      if (params.has(k)) S.form[k] = params.get(k);
    }
    const extra = TA.extra_options || {};
    for (const k of new Set(params.keys())) {
      if (known.has(k) || !(k in extra)) continue;
      const all = params.getAll(k);
      S.form.extra[k] = extra[k].is_multiple ? all : all[0];
    }
    if (params.has('user_count')) S.userCount = Number(params.get('user_count'));
  }

  function openDialog(node) {
    const d = $('#swarm-dialog');
    const body = $('#swarm-dialog-body');
    for (const f of liveForms) if (body.contains(f)) liveForms.delete(f);
    body.textContent = '';
    body.append(node);
    if (!d.open) d.showModal();
  }
  const closeDialog = () => { const d = $('#swarm-dialog'); if (d.open) d.close(); };
  const openNew = () => openDialog(swarmForm('start', closeDialog));
  const openEdit = () => openDialog(swarmForm('edit', closeDialog));

  // ------------------------------------------------------------------ 6. tables

  // A sortable table: click a header for ascending, again for descending, a
  // third time for the default order. Cells are built as HTML strings (escaped)
  // and only changed cells touch the DOM, so a thousand rows update cheaply
  // every second. `pinLast` rows (Aggregated) stay at the bottom whatever the order.
  class DataTable {
    constructor(opts) {
      this.o = opts;
      this.sort = null; // {key, dir: 1|-1}
      this.hidden = new Set(opts.storeKey ? store.get(opts.storeKey, []) : []);
      this.rows = [];
      this.view = [];
      this.el = h('div', { class: 'table-block' });
      if (opts.chooser) this.el.append(this.chooser());
      this.wrap = h('div', { class: `table-wrap ${opts.wrapClass || ''}` });
      this.el.append(this.wrap);
      this.wrap.addEventListener('click', (ev) => {
        const th = ev.target.closest('th[data-key]');
        if (th) { this.toggleSort(th.dataset.key); return; }
        opts.onClick?.(ev, this);
      });
      this.wrap.addEventListener('keydown', (ev) => {
        const th = ev.target.closest('th[data-key]');
        if (th && (ev.key === 'Enter' || ev.key === ' ')) {
          ev.preventDefault();
          this.toggleSort(th.dataset.key);
          this.wrap.querySelector(`th[data-key="${CSS.escape(th.dataset.key)}"]`)?.focus();
        }
      });
    }

    cols() { return this.o.columns().filter((c) => !this.hidden.has(c.key)); }

    toggleSort(key) {
      if (!this.sort || this.sort.key !== key) this.sort = { key, dir: 1 };
      else if (this.sort.dir === 1) this.sort.dir = -1;
      else this.sort = null;
      this.render();
    }

    chooser() {
      const panel = h('div', { class: 'popover', hidden: true });
      const btn = h('button', { type: 'button', class: 'btn btn-small', 'aria-expanded': 'false' }, 'Columns');
      const fill = () => {
        panel.textContent = '';
        for (const c of this.o.columns()) {
          const cb = h('input', { type: 'checkbox', checked: !this.hidden.has(c.key) });
          cb.addEventListener('change', () => {
            if (cb.checked) this.hidden.delete(c.key); else this.hidden.add(c.key);
            store.set(this.o.storeKey, [...this.hidden]);
            this.render();
          });
          panel.append(h('label', { class: 'check' }, cb, h('span', null, c.title)));
        }
      };
      btn.addEventListener('click', () => {
        const open = panel.hidden;
        if (open) fill();
        panel.hidden = !open;
        btn.setAttribute('aria-expanded', String(open));
      });
      document.addEventListener('click', (ev) => {
        if (!panel.hidden && !panel.contains(ev.target) && ev.target !== btn) {
          panel.hidden = true;
          btn.setAttribute('aria-expanded', 'false');
        }
      });
      return h('div', { class: 'table-tools' }, this.o.tools || null, h('div', { class: 'popover-anchor' }, btn, panel));
    }

    setRows(rows) { this.rows = Array.isArray(rows) ? rows : []; this.render(); }

    ordered() {
      const pinned = this.o.pinLast ? this.rows.filter(this.o.pinLast) : [];
      let rest = this.o.pinLast ? this.rows.filter((r) => !this.o.pinLast(r)) : this.rows.slice();
      if (this.sort) {
        const { key, dir } = this.sort;
        rest.sort((a, b) => dir * cmp(a[key], b[key]));
      } else if (this.o.defaultSort) {
        rest = rest.sort(this.o.defaultSort);
      }
      return rest.concat(pinned);
    }

    // The first render writes the whole table; later ones with the same
    // columns patch only the cells whose HTML changed, which spares the
    // browser a full table layout every second.
    render() {
      const cols = this.cols();
      this.view = this.ordered();
      const head = cols.map((c) => {
        const sorted = this.sort && this.sort.key === c.key;
        const arrow = sorted ? (this.sort.dir === 1 ? ' ▲' : ' ▼') : '';
        const aria = sorted ? (this.sort.dir === 1 ? 'ascending' : 'descending') : 'none';
        return `<th data-key="${esc(c.key)}" class="${c.num ? 'num' : ''}${sorted ? ' sorted' : ''}" aria-sort="${aria}" tabindex="0" title="Sort by ${esc(c.title)}">${esc(c.title)}${arrow}</th>`;
      }).join('');
      const tdClass = cols.map((c) => (c.num ? 'num' : c.cls || ''));
      const cells = this.view.map((row, i) => cols.map((c) =>
        (c.html ? c.html(row, i) : esc(c.fmt ? c.fmt(row[c.key], row) : row[c.key]))));
      const rowCls = this.view.map((row) => (this.o.rowClass ? this.o.rowClass(row) : ''));

      if (!this.view.length || head !== this.head || !this.tbody || !this.tbody.isConnected) {
        let body;
        if (!this.view.length) {
          body = `<tr><td class="empty" colspan="${cols.length || 1}">${esc(this.o.empty || 'No data yet')}</td></tr>`;
        } else {
          body = cells.map((r, i) => `<tr class="${rowCls[i]}">${r.map((html, j) => `<td class="${tdClass[j]}">${html}</td>`).join('')}</tr>`).join('');
        }
        this.wrap.innerHTML = `<table class="table${this.o.tableClass ? ` ${this.o.tableClass}` : ''}"><thead><tr>${head}</tr></thead><tbody>${body}</tbody></table>`;
        this.head = this.view.length ? head : null;
        this.tbody = this.wrap.querySelector('tbody');
        this.cache = cells;
        return;
      }
      const rows = this.tbody.rows;
      cells.forEach((r, i) => {
        let tr = rows[i];
        const old = this.cache[i];
        if (!tr) {
          tr = this.tbody.insertRow();
          r.forEach((html, j) => { const td = tr.insertCell(); td.className = tdClass[j]; td.innerHTML = html; });
        } else {
          for (let j = 0; j < r.length; j++) if (!old || old[j] !== r[j]) tr.cells[j].innerHTML = r[j];
        }
        if (tr.className !== rowCls[i]) tr.className = rowCls[i];
      });
      while (rows.length > cells.length) this.tbody.deleteRow(-1);
      this.cache = cells;
    }
  }

  function cmp(a, b) {
    if (a == null && b == null) return 0;
    if (a == null) return -1;
    if (b == null) return 1;
    if (typeof a === 'number' && typeof b === 'number') return a - b;
    const x = String(a);
    const y = String(b);
    return x < y ? -1 : x > y ? 1 : 0;
  }

  const isAggregated = (r) => r.name === 'Aggregated' && !r.method;

  function statsColumns() {
    const pcts = Array.isArray(TA.percentiles_to_statistics) ? TA.percentiles_to_statistics : [0.95, 0.99];
    const n = (key, title, d = 2) => ({ key, title, num: true, fmt: (v) => fmtNum(v, d) });
    return [
      { key: 'method', title: 'Type' },
      {
        key: 'name', title: 'Name', cls: 'name',
        html: (r, i) => (isAggregated(r) ? esc(r.name)
          : `<button type="button" class="row-chart" data-i="${i}" title="Charts for this request" aria-label="Charts for this request"></button>${esc(r.name)}`),
      },
      n('num_requests', '# Requests', 0),
      n('num_failures', '# Fails', 0),
      n('median_response_time', 'Median (ms)'),
      ...pcts.map((p) => n(`response_time_percentile_${pyKey(p)}`, `${pctLabel(p)}%ile (ms)`)),
      n('avg_response_time', 'Average (ms)'),
      n('min_response_time', 'Min (ms)'),
      n('max_response_time', 'Max (ms)'),
      n('avg_content_length', 'Average size (bytes)'),
      n('current_rps', 'Current RPS'),
      n('current_fail_per_sec', 'Current Failures/s'),
    ];
  }
  const byName = (a, b) => cmp(a.name, b.name) || cmp(a.method, b.method);

  // ------------------------------------------------------------------ 7. charts

  // History arrays for one series set (all requests, or one request name).
  // Points keep the server's shape: {time, user_count, current_rps,
  // current_fail_per_sec, percentiles: {"0.5": ms|null, ...}}.
  function newHistory() {
    return { t: [], pts: [], last: 0, interval: 1, mode: 'server' };
  }
  function addPoints(H, points) {
    if (!Array.isArray(points)) return 0;
    let added = 0;
    for (const p of points) {
      const t = toEpoch(p?.time);
      if (!Number.isFinite(t) || t <= H.last) continue;
      H.t.push(t);
      H.pts.push(p);
      H.last = t;
      added++;
    }
    return added;
  }
  // Locust's templateArgs.history ({current_rps: [t, v], ...}) -> points.
  function fromLocustHistory(list) {
    const val = (v) => (Array.isArray(v) ? v[1] : v);
    return (Array.isArray(list) ? list : []).map((e) => {
      if (e && e.percentiles) return e;
      const percentiles = {};
      for (const k of Object.keys(e || {})) {
        if (k.startsWith('response_time_percentile_')) percentiles[k.slice(25)] = val(e[k]);
      }
      return {
        time: e?.time ?? (Array.isArray(e?.current_rps) ? e.current_rps[0] : null),
        user_count: val(e?.user_count),
        current_rps: val(e?.current_rps),
        current_fail_per_sec: val(e?.current_fail_per_sec),
        percentiles,
      };
    });
  }

  const PCT_DEFAULT_CHOICES = [0.5, 0.66, 0.75, 0.8, 0.9, 0.95, 0.98, 0.99, 0.999, 1.0];
  // One colour per percentile choice (0.5 violet, 0.95 amber by default); none
  // repeats the RPS green or the failures red.
  const PALETTE = ['#8b5cf6', '#14b8a6', '#0ea5e9', '#ec4899', '#84cc16', '#f59e0b', '#6366f1', '#f97316', '#be185d', '#64748b'];
  const pctChoices = [...new Set([...(Array.isArray(TA.percentile_choices) ? TA.percentile_choices : PCT_DEFAULT_CHOICES),
    ...(TA.percentiles_to_chart || [])].map(Number).filter(Number.isFinite))].sort((a, b) => a - b);
  const pctColor = (p) => PALETTE[Math.max(0, pctChoices.indexOf(p)) % PALETTE.length];

  // Nice axis steps.
  function niceStep(range, count) {
    const raw = range / Math.max(1, count);
    const mag = 10 ** Math.floor(Math.log10(raw));
    const f = raw / mag;
    return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 2.5 ? 2.5 : f <= 5 ? 5 : 10) * mag;
  }
  const TIME_STEPS = [1, 2, 5, 10, 15, 30, 60, 120, 300, 600, 900, 1800, 3600, 7200, 10800, 21600, 43200, 86400];

  function bisect(arr, x) { // first index with arr[i] >= x
    let lo = 0;
    let hi = arr.length;
    while (lo < hi) { const mid = (lo + hi) >> 1; if (arr[mid] < x) lo = mid + 1; else hi = mid; }
    return lo;
  }

  // An SVG line chart: time on x, values on y, a legend that hides series,
  // and a tooltip listing every series at the hovered time. Charts in one
  // `group` share the hover line.
  class LineChart {
    constructor(title, group) {
      this.title = title;
      this.group = group;
      group.push(this);
      this.hiddenSeries = new Set();
      this.data = null;
      this.hoverT = null;
      this.legend = h('div', { class: 'legend' });
      this.box = h('div', { class: 'chart-box' });
      this.tip = h('div', { class: 'chart-tip', hidden: true });
      this.el = h('div', { class: 'card chart-card' },
        h('div', { class: 'chart-head' }, h('h3', null, title), this.legend), this.box, this.tip);
      this.legend.addEventListener('click', (ev) => {
        const b = ev.target.closest('button[data-s]');
        if (!b) return;
        const name = b.dataset.s;
        if (this.hiddenSeries.has(name)) this.hiddenSeries.delete(name); else this.hiddenSeries.add(name);
        this.render();
      });
      const hover = (ev) => {
        if (!this.geo) return;
        const r = this.box.getBoundingClientRect();
        const t = this.geo.x2t(ev.clientX - r.left);
        for (const c of this.group) c.showAt(t, c === this);
      };
      this.box.addEventListener('pointermove', hover);
      this.box.addEventListener('pointerdown', hover); // a tap on a touch screen
      this.box.addEventListener('pointerleave', () => { for (const c of this.group) c.showAt(null); });
    }

    // data: {t:[epoch s], series:[{name, color, values}], markers:[{t,label}], gap: s, from, to}
    setData(data) { this.data = data; this.render(); }

    render() {
      const d = this.data;
      const W = this.box.clientWidth;
      if (!d || !W) return;
      this.legend.innerHTML = d.series.map((s) =>
        `<button type="button" data-s="${esc(s.name)}" class="${this.hiddenSeries.has(s.name) ? 'off' : ''}" aria-pressed="${!this.hiddenSeries.has(s.name)}"><i style="background:${s.color}"></i>${esc(s.name)}</button>`).join('');
      const H = this.box.clientHeight || 240;
      const { t } = d;
      const i0 = bisect(t, d.from);
      const i1 = Math.min(t.length, bisect(t, d.to + 1e-6));
      const shown = d.series.filter((s) => !this.hiddenSeries.has(s.name));
      let max = 0;
      for (const s of shown) for (let i = i0; i < i1; i++) { const v = s.values[i]; if (v != null && v > max) max = v; }
      const step = niceStep(max || 1, 4);
      const ymax = Math.max(step, Math.ceil((max || 1) / step) * step);
      const yLabels = [];
      for (let v = 0; v <= ymax + step / 2; v += step) yLabels.push(v);
      const ml = Math.max(44, 12 + Math.max(...yLabels.map((v) => fmtCompact(v).length)) * 7); // same width on every chart, so hover lines align
      const mr = 14;
      const mt = 10;
      const mb = 24;
      const pw = Math.max(10, W - ml - mr);
      const ph = Math.max(10, H - mt - mb);
      const span = Math.max(1e-9, d.to - d.from);
      const x = (tv) => ml + ((tv - d.from) / span) * pw;
      const y = (v) => mt + ph - (v / ymax) * ph;
      this.geo = { x, y, x2t: (px) => d.from + ((px - ml) / pw) * span, ml, mt, pw, ph, i0, i1 };

      let svg = `<svg width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" role="img" aria-label="${esc(this.title)}">`;
      for (const v of yLabels) {
        const yy = y(v).toFixed(1);
        svg += `<line class="grid" x1="${ml}" x2="${ml + pw}" y1="${yy}" y2="${yy}"/><text class="axis" x="${ml - 6}" y="${yy}" text-anchor="end" dy="0.32em">${fmtCompact(v)}</text>`;
      }
      const tStep = TIME_STEPS.find((s) => span / s <= pw / 90) || 86400 * Math.ceil(span / 86400 / (pw / 90));
      const tz = new Date().getTimezoneOffset() * 60; // align labels to local minutes/hours
      const long = span >= 3600 * 6;
      for (let tv = Math.ceil((d.from - tz) / tStep) * tStep + tz; tv <= d.to; tv += tStep) {
        const xx = x(tv).toFixed(1);
        const date = new Date(tv * 1000);
        const label = long || tStep >= 60 ? date.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' }) : date.toLocaleTimeString();
        svg += `<line class="tick" x1="${xx}" x2="${xx}" y1="${mt + ph}" y2="${mt + ph + 4}"/><text class="axis" x="${xx}" y="${H - 6}" text-anchor="middle">${esc(label)}</text>`;
      }
      svg += `<line class="axis-line" x1="${ml}" x2="${ml + pw}" y1="${mt + ph}" y2="${mt + ph}"/>`;
      for (const m of d.markers || []) {
        if (m.t < d.from || m.t > d.to) continue;
        const xx = x(m.t).toFixed(1);
        const right = +xx > ml + pw - 60; // keep the label inside the plot
        svg += `<line class="marker" x1="${xx}" x2="${xx}" y1="${mt}" y2="${mt + ph}"/><text class="marker-label" x="${right ? +xx - 4 : +xx + 4}" y="${mt + 10}" text-anchor="${right ? 'end' : 'start'}">${esc(m.label)}</text>`;
      }
      svg += `<g clip-path="none">`;
      for (const s of shown) {
        svg += `<path class="line" d="${linePath(t, s.values, i0, i1, x, y, d.gap, pw)}" stroke="${s.color}"/>`;
      }
      svg += `</g><line class="cursor" x1="0" x2="0" y1="${mt}" y2="${mt + ph}" visibility="hidden"/><g class="dots"></g></svg>`;
      if (i1 - i0 === 0) svg += '<div class="chart-empty">No data yet</div>';
      this.box.innerHTML = svg;
      if (this.hoverT != null) this.showAt(this.hoverT, this.hoverOwn);
    }

    // Hover line, dots and tooltip at time `tv` (null hides them).
    showAt(tv, own) {
      this.hoverT = tv;
      this.hoverOwn = own;
      const cursor = this.box.querySelector('.cursor');
      const dots = this.box.querySelector('.dots');
      const d = this.data;
      const g = this.geo;
      if (!cursor || !d || !g) return;
      if (tv == null || g.i1 <= g.i0) {
        cursor.setAttribute('visibility', 'hidden');
        dots.innerHTML = '';
        this.tip.hidden = true;
        return;
      }
      let i = bisect(d.t, tv);
      if (i >= g.i1) i = g.i1 - 1;
      if (i < g.i0) i = g.i0;
      if (i > g.i0 && Math.abs(d.t[i - 1] - tv) < Math.abs(d.t[i] - tv)) i--;
      const xx = g.x(d.t[i]);
      cursor.setAttribute('x1', xx);
      cursor.setAttribute('x2', xx);
      cursor.setAttribute('visibility', 'visible');
      const shown = d.series.filter((s) => !this.hiddenSeries.has(s.name));
      dots.innerHTML = shown.filter((s) => s.values[i] != null)
        .map((s) => `<circle cx="${xx}" cy="${g.y(s.values[i])}" r="3.5" fill="${s.color}"/>`).join('');
      this.tip.innerHTML = `<div class="tip-time">${esc(fmtClock(d.t[i]))}</div>${shown.map((s) =>
        `<div class="tip-row"><i style="background:${s.color}"></i><span>${esc(s.name)}</span><b>${s.values[i] == null ? '–' : esc(fmtNum(s.values[i], 2))}</b></div>`).join('')}`;
      this.tip.hidden = false;
      const boxW = this.box.clientWidth;
      const tipW = this.tip.offsetWidth;
      const left = xx + 12 + tipW > boxW ? xx - 12 - tipW : xx + 12;
      this.tip.style.left = `${Math.max(0, left)}px`;
      this.tip.style.top = `${this.box.offsetTop + 8}px`;
    }
  }

  // SVG path for one series; breaks at nulls and at time gaps (a stopped test),
  // and keeps only the min and max per pixel column when points outnumber pixels.
  function linePath(t, v, i0, i1, x, y, gap, pw) {
    let d = '';
    let pen = false;
    let prevT = null;
    const step = Math.max(1, Math.floor((i1 - i0) / Math.max(1, pw)));
    const pt = (i) => `${x(t[i]).toFixed(1)} ${y(v[i]).toFixed(1)}`;
    for (let b = i0; b < i1; b += step) {
      const e = Math.min(i1, b + step);
      let lo = -1;
      let hi = -1;
      let broken = false;
      for (let i = b; i < e; i++) {
        if (prevT != null && t[i] - prevT > gap) broken = true;
        prevT = t[i];
        if (v[i] == null) { broken = true; continue; }
        if (lo < 0 || v[i] < v[lo]) lo = i;
        if (hi < 0 || v[i] > v[hi]) hi = i;
      }
      if (broken) pen = false;
      if (lo < 0) continue;
      const a = Math.min(lo, hi);
      const c = Math.max(lo, hi);
      d += `${pen ? 'L' : 'M'}${pt(a)}`;
      if (c !== a) d += `L${pt(c)}`;
      pen = true;
    }
    return d || 'M0 0';
  }

  // The Charts tab: aggregate charts, per-request charts, status codes.
  const charts = (() => {
    const agg = newHistory();
    let named = null; // {name, method, H}
    const runStarts = [];
    const group = [];
    const nameGroup = [];
    let selected = store.get('rocust.chartPercentiles', null);
    if (!Array.isArray(selected)) selected = (TA.percentiles_to_chart || [0.5, 0.95]).map(Number);
    selected = selected.filter((p) => pctChoices.includes(p));
    let windowS = store.get('rocust.chartWindow', 0);

    let root = null;
    let cRps;
    let cRt;
    let cUsers;
    let nRps;
    let nRt;
    let nameSelect;
    let nameBox;
    let codesCard;

    function build() {
      root = h('div', { class: 'charts' });
      const pctBox = h('div', { class: 'pct-picks', role: 'group', 'aria-label': 'Percentiles to draw' },
        h('span', { class: 'muted' }, 'Percentiles:'),
        pctChoices.map((p) => {
          const cb = h('input', { type: 'checkbox', checked: selected.includes(p) });
          cb.addEventListener('change', () => {
            selected = pctChoices.filter((q) => (q === p ? cb.checked : selected.includes(q)));
            store.set('rocust.chartPercentiles', selected);
            update();
          });
          return h('label', { class: 'chip' }, cb, h('span', null, `${pctLabel(p)}%`));
        }));
      const win = h('select', { 'aria-label': 'Time window' },
        [[0, 'All'], [60, 'Last minute'], [300, 'Last 5 minutes'], [900, 'Last 15 minutes'], [3600, 'Last hour']]
          .map(([v, l]) => h('option', { value: v, selected: v === windowS }, l)));
      win.addEventListener('change', () => { windowS = Number(win.value); store.set('rocust.chartWindow', windowS); update(); });
      root.append(h('div', { class: 'toolbar' }, pctBox, h('label', { class: 'inline' }, h('span', { class: 'muted' }, 'Show'), win)));

      cRps = new LineChart('Total Requests per Second', group);
      cRt = new LineChart('Response Times (ms)', group);
      cUsers = new LineChart('Number of Users', group);
      root.append(h('div', { class: 'chart-grid' }, cRps.el, cRt.el, cUsers.el));

      nameSelect = h('select', { 'aria-label': 'Request' });
      nameSelect.addEventListener('change', () => {
        const [method, name] = nameSelect.value ? JSON.parse(nameSelect.value) : [];
        selectName(name == null ? null : { method, name });
      });
      nRps = new LineChart('Requests per Second', nameGroup);
      nRt = new LineChart('Response Times (ms)', nameGroup);
      nameBox = h('div', { class: 'chart-grid', hidden: true }, nRps.el, nRt.el);
      root.append(h('section', { class: 'section' },
        h('div', { class: 'section-head' }, h('h2', null, 'Per request'), nameSelect),
        h('p', { class: 'muted small' }, 'Pick a request here or with the chart button in the Statistics table.'),
        nameBox));

      codesCard = h('section', { class: 'section', hidden: true });
      root.append(codesCard);
      return root;
    }

    function fillNameSelect() {
      if (!nameSelect) return;
      const entries = (S.stats?.stats || []).filter((r) => !isAggregated(r));
      const cur = named ? JSON.stringify([named.method, named.name]) : '';
      const opts = [['', 'Choose a request…'], ...entries.map((r) => [JSON.stringify([r.method, r.name]), `${r.method} ${r.name}`])];
      if (cur && !opts.some(([v]) => v === cur)) opts.push([cur, `${named.method} ${named.name}`]);
      const sig = opts.map((o) => o[0]).join('\n');
      if (nameSelect.dataset.sig !== sig) {
        nameSelect.innerHTML = opts.map(([v, l]) => `<option value="${esc(v)}">${esc(l)}</option>`).join('');
        nameSelect.dataset.sig = sig;
      }
      nameSelect.value = cur;
    }

    function range(H) {
      const n = H.t.length;
      const to = n ? H.t[n - 1] : Date.now() / 1000; // the axis stops with the data
      let from = n ? H.t[0] : to - 60;
      if (windowS) from = Math.max(from, to - windowS);
      if (to - from < 10) from = to - 10;
      return { from, to };
    }
    const gapOf = (H) => Math.max(5, 3 * (H.interval || 1));
    // One series' values; points left of the time window stay empty (read as null).
    const col = (H, f, from) => {
      const out = new Array(H.pts.length);
      for (let i = bisect(H.t, from); i < out.length; i++) out[i] = f(H.pts[i]);
      return out;
    };
    const pctSeries = (H, from) => selected.map((p) => ({
      name: `${pctLabel(p)}th percentile`, color: pctColor(p), values: col(H, (pt) => pctOf(pt.percentiles, p), from),
    }));
    const markers = () => runStarts.map((ts, i) => ({ t: ts, label: `Run #${i + 2}` }));

    function update() {
      if (!root || !root.isConnected) return;
      const r = range(agg);
      const base = { t: agg.t, gap: gapOf(agg), markers: markers(), ...r };
      cRps.setData({ ...base, series: [
        { name: 'RPS', color: '#00ca5a', values: col(agg, (p) => p.current_rps ?? null, r.from) },
        { name: 'Failures/s', color: '#ff6d6d', values: col(agg, (p) => p.current_fail_per_sec ?? null, r.from) }] });
      cRt.setData({ ...base, series: pctSeries(agg, r.from) });
      cUsers.setData({ ...base, series: [{ name: 'Users', color: '#0099ff', values: col(agg, (p) => p.user_count ?? null, r.from) }] });

      fillNameSelect();
      nameBox.hidden = !named;
      if (named) {
        const H = named.H;
        const nr = range(H);
        const nb = { t: H.t, gap: gapOf(H), markers: markers(), ...nr };
        const label = `${named.method} ${named.name}`;
        nRps.el.querySelector('h3').textContent = `Requests per Second: ${label}`;
        nRt.el.querySelector('h3').textContent = `Response Times (ms): ${label}`;
        nRps.setData({ ...nb, series: [
          { name: 'RPS', color: '#00ca5a', values: col(H, (p) => p.current_rps ?? null, nr.from) },
          { name: 'Failures/s', color: '#ff6d6d', values: col(H, (p) => p.current_fail_per_sec ?? null, nr.from) }] });
        nRt.setData({ ...nb, series: pctSeries(H, nr.from) });
      }
      renderCodes();
    }

    // Status codes (rocust extension): one stacked bar per request.
    function renderCodes() {
      const rows = S.stats?.status_codes;
      codesCard.hidden = !Array.isArray(rows);
      if (!Array.isArray(rows)) return;
      const all = new Set();
      const total = {};
      for (const r of rows) {
        for (const [c, n] of Object.entries(r.codes || {})) { all.add(c); total[c] = (total[c] || 0) + n; }
      }
      const codes = [...all].sort((a, b) => Number(a) - Number(b) || cmp(a, b));
      const cls = (c) => { const n = Number(c); return n >= 100 && n < 600 ? `c${Math.floor(n / 100)}xx` : 'cother'; };
      const bar = (m) => {
        const sum = Object.values(m).reduce((a, b) => a + b, 0) || 1;
        return `<div class="codebar">${codes.filter((c) => m[c]).map((c) =>
          `<span class="${cls(c)}" style="width:${(100 * m[c] / sum).toFixed(2)}%" title="${esc(c)}: ${m[c]}"></span>`).join('')}</div>`;
      };
      const line = (method, name, m, extra = '') => `<tr${extra}><td>${esc(method)}</td><td class="name">${esc(name)}</td><td class="bar-cell">${bar(m)}</td>${codes.map((c) => `<td class="num">${m[c] ? m[c] : ''}</td>`).join('')}</tr>`;
      codesCard.innerHTML = `<div class="section-head"><h2>Response status codes</h2></div>
        <div class="legend static">${['1xx', '2xx', '3xx', '4xx', '5xx'].map((k) => `<span><i class="c${k}"></i>${k}</span>`).join('')}<span><i class="cother"></i>other</span></div>
        <div class="table-wrap"><table class="table"><thead><tr><th>Type</th><th>Name</th><th>Share</th>${codes.map((c) => `<th class="num">${esc(c)}</th>`).join('')}</tr></thead>
        <tbody>${rows.length ? rows.map((r) => line(r.method, r.name, r.codes || {})).join('') + line('', 'All requests', total, ' class="pinned"')
    : `<tr><td class="empty" colspan="${3 + codes.length}">No responses yet</td></tr>`}</tbody></table></div>`;
    }

    async function loadNamed(force) {
      if (!named) return;
      const n = named;
      if (n.H.mode === 'server') {
        const q = `stats/history?name=${encodeURIComponent(n.name)}&method=${encodeURIComponent(n.method)}&since=${n.H.last}`;
        const r = await api.get(q);
        if (n !== named) return;
        if (r.ok && r.data) { n.H.interval = r.data.interval || 1; addPoints(n.H, r.data.points); return; }
        if (r.status === 404 || r.status === 400 || r.status === 405) n.H.mode = 'client';
      }
      if (n.H.mode === 'client' && (isRunning() || force)) {
        const e = (S.stats?.stats || []).find((s) => s.name === n.name && s.method === n.method);
        if (e) addPoints(n.H, [entryPoint(e)]);
      }
    }
    // A client-side point from a /stats/requests entry (fallback without stats/history).
    function entryPoint(e) {
      const percentiles = { '0.5': e.median_response_time ?? null };
      for (const k of Object.keys(e)) if (k.startsWith('response_time_percentile_')) percentiles[k.slice(25)] = e[k];
      return { time: Date.now() / 1000, current_rps: e.current_rps, current_fail_per_sec: e.current_fail_per_sec, percentiles };
    }

    function selectName(sel) {
      named = sel ? { ...sel, H: newHistory() } : null;
      update();
      if (named) loadNamed(true).then(update);
    }

    return {
      el() { return root || build(); },
      update,
      rerender() { if (root && root.isConnected) update(); },
      selectName,
      // Pull new aggregate points; fall back to templateArgs.history and
      // client-side sampling when the server has no stats/history.
      async load() {
        if (agg.mode === 'server') {
          const r = await api.get(`stats/history?since=${agg.last}`);
          if (r.ok && r.data && Array.isArray(r.data.points)) {
            agg.interval = r.data.interval || 1;
            addPoints(agg, r.data.points);
          } else if (r.status === 404 || r.status === 405) {
            agg.mode = 'client';
            agg.interval = 5;
            addPoints(agg, fromLocustHistory(TA.history));
          }
        } else if (isRunning() && S.stats) {
          const s = S.stats;
          const percentiles = {};
          for (const [k, v] of Object.entries(s.current_response_time_percentiles || {})) {
            percentiles[k.replace('response_time_percentile_', '')] = v;
          }
          addPoints(agg, [{ time: Date.now() / 1000, user_count: s.user_count, current_rps: s.current_rps, current_fail_per_sec: s.current_fail_per_sec, percentiles }]);
        }
        await loadNamed(false);
      },
      runStarted() { if (agg.t.length) runStarts.push(Date.now() / 1000); },
    };
  })();

  // ------------------------------------------------------------------ 8. tabs

  const LOG_SEEN_KEY = 'rocust.logs.seen';
  const importantLog = (l) => /WARNING|ERROR|CRITICAL/.test(l);
  function logLevel(line) {
    const m = /\/(DEBUG|INFO|WARNING|ERROR|CRITICAL)\//.exec(line);
    if (m) return m[1].toLowerCase();
    for (const l of ['CRITICAL', 'ERROR', 'WARNING', 'DEBUG']) if (line.includes(l)) return l.toLowerCase();
    return 'info';
  }
  const logHtml = (lines) => (lines || []).map((l) => `<div class="log-line lvl-${logLevel(String(l))}">${esc(l)}</div>`).join('');

  function ratioList(obj) {
    const entries = Object.entries(obj || {});
    if (!entries.length) return '';
    return `<ul>${entries.map(([name, v]) =>
      `<li><span class="ratio">${((v?.ratio || 0) * 100).toFixed(1)}%</span> ${esc(name)}${v?.tasks ? ratioList(v.tasks) : ''}</li>`).join('')}</ul>`;
  }

  const tabs = (() => {
    const statsTable = new DataTable({
      columns: statsColumns,
      storeKey: 'rocust.statsHiddenColumns',
      chooser: true,
      pinLast: isAggregated,
      defaultSort: byName,
      rowClass: (r) => (isAggregated(r) ? 'pinned' : ''),
      wrapClass: 'scroll-y',
      empty: 'No requests yet',
      onClick(ev, t) {
        const b = ev.target.closest('button.row-chart');
        if (!b) return;
        const row = t.view[Number(b.dataset.i)];
        if (!row) return;
        charts.selectName({ name: row.name, method: row.method });
        show('charts');
      },
    });
    const failuresTable = new DataTable({
      columns: () => [
        { key: 'occurrences', title: '# Failures', num: true },
        { key: 'method', title: 'Method' },
        { key: 'name', title: 'Name', cls: 'name' },
        { key: 'error', title: 'Message', cls: 'pre' },
        { key: 'first_seen', title: 'First Seen', fmt: fmtDateTime },
        { key: 'last_seen', title: 'Last Seen', fmt: fmtDateTime },
      ],
      empty: 'No failures',
    });
    const exceptionsTable = new DataTable({
      columns: () => [
        { key: 'count', title: '# occurrences', num: true },
        { key: 'msg', title: 'Message', cls: 'pre' },
        { key: 'traceback', title: 'Traceback', html: (r) => `<pre class="traceback">${esc(r.traceback)}</pre>` },
        ...(TA.is_distributed ? [{ key: 'nodes', title: 'Nodes' }] : []),
      ],
      empty: 'No exceptions',
    });
    // Workers measure their CPU and memory every 10 s, the first time 10 s after they start
    // (as Locust's), and report 0 for both until then: no process has 0 bytes, so show "—".
    const UNMEASURED = '<span class="muted" title="Not measured yet: workers measure every 10 s">—</span>';
    const measured = (r) => Number(r.memory_usage) > 0;
    const workersTable = new DataTable({
      columns: () => [
        { key: 'id', title: 'Worker' },
        { key: 'state', title: 'State' },
        { key: 'user_count', title: '# users', num: true },
        { key: 'cpu_usage', title: 'CPU usage', num: true, html: (r) => (measured(r) ? `<span class="${r.cpu_usage >= 90 ? 'hot' : ''}">${esc(fmtNum(r.cpu_usage, 1))}%</span>` : UNMEASURED) },
        { key: 'memory_usage', title: 'Memory usage', num: true, html: (r) => (measured(r) ? esc(fmtBytes(r.memory_usage)) : UNMEASURED) },
      ],
      defaultSort: (a, b) => cmp(a.id, b.id),
      empty: 'No workers connected',
    });

    const extTables = new Map();
    for (const t of Array.isArray(TA.extended_tabs) ? TA.extended_tabs : []) {
      const structure = (TA.extended_tables || []).find((x) => x.key === t.key)?.structure || [];
      extTables.set(t.key, new DataTable({
        columns: () => structure.map((c) => ({ key: c.key, title: c.title })),
        empty: 'No data yet',
      }));
    }

    const list = [
      { key: 'stats', title: 'Statistics', render: (p) => { mount(p, statsTable.el); statsTable.setRows(S.stats?.stats); } },
      { key: 'charts', title: 'Charts', render: (p) => { mount(p, charts.el()); charts.update(); } },
      { key: 'failures', title: 'Failures', render: (p) => { mount(p, failuresTable.el); failuresTable.setRows(S.stats?.errors); } },
      { key: 'exceptions', title: 'Exceptions', render: (p) => { mount(p, exceptionsTable.el); exceptionsTable.setRows(S.exceptions); } },
      { key: 'ratios', title: 'Current Ratio', render: renderRatios },
      { key: 'reports', title: 'Download Data', render: renderReports },
      { key: 'logViewer', title: 'Logs', render: renderLogs },
    ];
    if (TA.is_distributed) {
      list.push({ key: 'workers', title: 'Workers', render: (p) => { mount(p, workersTable.el); workersTable.setRows(S.stats?.workers); } });
    }
    for (const t of Array.isArray(TA.extended_tabs) ? TA.extended_tabs : []) {
      if (!t || !t.key || list.some((x) => x.key === t.key)) continue;
      list.push({
        key: t.key, title: t.title || t.key,
        render: (p) => {
          const table = extTables.get(t.key);
          mount(p, table.el);
          const rows = (S.stats?.extended_stats || []).find((x) => x.key === t.key)?.data;
          table.setRows(rows);
        },
      });
    }

    let active = new URLSearchParams(location.search).get('tab');
    if (!list.some((t) => t.key === active)) active = 'stats';
    const panels = new Map();

    function mount(panel, node) { if (node.parentNode !== panel) { panel.textContent = ''; panel.append(node); } }

    function renderRatios(p) {
      const t = S.tasks;
      p.innerHTML = t && (Object.keys(t.per_class || {}).length || Object.keys(t.total || {}).length)
        ? `<div class="ratios"><section class="card"><h2>Ratio Per Class</h2>${ratioList(t.per_class)}</section>
           <section class="card"><h2>Total Ratio</h2>${ratioList(t.total)}</section></div>`
        : '<p class="empty">No ratio data yet: no users are running.</p>';
    }

    function renderReports(p) {
      const links = [['stats/requests/csv', 'Download requests CSV']];
      if (TA.stats_history_enabled) links.push(['stats/requests_full_history/csv', 'Download full request statistics history CSV']);
      links.push(['stats/failures/csv', 'Download failures CSV'], ['exceptions/csv', 'Download exceptions CSV']);
      const ext = Array.isArray(TA.extended_csv_files) ? TA.extended_csv_files : [];
      p.innerHTML = `<ul class="downloads card">${links.map(([href, title]) => `<li><a href="${esc(href)}" download>${esc(title)}</a></li>`).join('')}
        <li><a href="stats/report?theme=${S.theme}" target="_blank" rel="noopener">Download Report</a></li>
        ${ext.map((f) => `<li><a href="${esc(f.href)}">${esc(f.title)}</a></li>`).join('')}</ul>`;
    }

    function renderLogs(p) {
      const logs = S.logs || { master: [], workers: {} };
      let pre = p.querySelector('.log.master');
      if (!pre) {
        p.innerHTML = `<section class="card"><h2>Master Logs</h2><div class="log master" tabindex="0"></div></section><div class="worker-logs"></div>`;
        pre = p.querySelector('.log.master');
      }
      const atBottom = pre.scrollHeight - pre.scrollTop - pre.clientHeight < 8;
      pre.innerHTML = (logs.master || []).length ? logHtml(logs.master) : '<div class="muted">No log lines yet</div>';
      if (atBottom) pre.scrollTop = pre.scrollHeight;
      const wbox = p.querySelector('.worker-logs');
      const workers = Object.entries(logs.workers || {});
      const open = new Set([...wbox.querySelectorAll('details[open]')].map((d) => d.dataset.id));
      wbox.innerHTML = workers.length ? `<section class="card"><h2>Worker Logs</h2>${workers.map(([id, lines]) =>
        `<details data-id="${esc(id)}"${open.has(id) ? ' open' : ''}><summary>${esc(id)} <span class="muted">(${(lines || []).length} lines)</span></summary><div class="log">${logHtml(lines)}</div></details>`).join('')}</section>` : '';
      markLogsSeen();
    }

    function importantCount() {
      const logs = S.logs || {};
      let n = (logs.master || []).filter(importantLog).length;
      for (const lines of Object.values(logs.workers || {})) n += (lines || []).filter(importantLog).length;
      return n;
    }
    function markLogsSeen() { store.set(LOG_SEEN_KEY, importantCount()); updateBadges(); }
    function updateBadges() {
      const n = importantCount();
      let seen = store.get(LOG_SEEN_KEY, 0);
      if (n < seen) { seen = n; store.set(LOG_SEEN_KEY, n); } // the log ring buffer dropped lines
      const b = $('#tab-logViewer .badge');
      if (b) b.hidden = !(n > seen && active !== 'logViewer');
    }

    function build() {
      const nav = $('#tabs');
      const box = $('#panels');
      for (const t of list) {
        const btn = h('button', { type: 'button', role: 'tab', id: `tab-${t.key}`, 'aria-controls': `panel-${t.key}`, 'data-key': t.key },
          t.title, t.key === 'logViewer' ? h('span', { class: 'badge', hidden: true, title: 'New warnings or errors' }, '!') : null);
        btn.addEventListener('click', () => show(t.key));
        nav.append(btn);
        const panel = h('div', { role: 'tabpanel', id: `panel-${t.key}`, 'aria-labelledby': `tab-${t.key}`, class: 'panel', hidden: true });
        panels.set(t.key, panel);
        box.append(panel);
      }
      nav.addEventListener('keydown', (ev) => {
        if (ev.key !== 'ArrowRight' && ev.key !== 'ArrowLeft') return;
        const i = list.findIndex((t) => t.key === active);
        const next = list[(i + (ev.key === 'ArrowRight' ? 1 : list.length - 1)) % list.length];
        show(next.key);
        document.getElementById(`tab-${next.key}`).focus();
      });
      window.addEventListener('popstate', () => {
        const k = new URLSearchParams(location.search).get('tab');
        show(list.some((t) => t.key === k) ? k : 'stats', false);
      });
      show(active, false);
    }

    function show(key, push = true) {
      active = key;
      for (const t of list) {
        const on = t.key === key;
        const btn = document.getElementById(`tab-${t.key}`);
        btn.setAttribute('aria-selected', String(on));
        btn.tabIndex = on ? 0 : -1;
        panels.get(t.key).hidden = !on;
      }
      const url = new URL(location.href);
      if (push && url.searchParams.get('tab') !== key) {
        url.searchParams.set('tab', key);
        history.pushState({ tab: key }, '', url);
      }
      rerender(key);
      updateBadges();
      document.getElementById(`tab-${key}`).scrollIntoView?.({ block: 'nearest', inline: 'nearest' });
    }

    // Only the visible tab is redrawn: hidden tables cost nothing.
    function rerender(key) {
      if (key && key !== active) return;
      const t = list.find((x) => x.key === active);
      if (t && !$('#dash').hidden) t.render(panels.get(t.key));
    }

    return { build, show, rerender, updateBadges, active: () => active };
  })();

  // Ready: the start form only (as Locust). Otherwise: the tabs.
  let startForm = null;
  function renderView() {
    const ready = S.state === 'ready';
    $('#start-view').hidden = !ready;
    $('#dash').hidden = ready;
    if (ready && !startForm) {
      startForm = swarmForm('start', null);
      $('#start-view').append(h('div', { class: 'card form-card' }, startForm));
    } else if (!ready && startForm) {
      liveForms.delete(startForm);
      $('#start-view').textContent = '';
      startForm = null;
    }
    if (!ready) tabs.rerender();
  }

  // ------------------------------------------------------------------ 9. polling

  // A poller runs `fn` every `ms` while `when()` holds, never overlapping
  // itself. kick() runs it at once; kick(true) even when `when()` is false.
  class Poller {
    constructor(fn, ms, when) { Object.assign(this, { fn, ms, when, timer: 0, busy: false, force: false }); }
    start() { this.kick(true); }
    kick(force = false) { this.force = this.force || force; this.schedule(0); }
    schedule(ms) { clearTimeout(this.timer); this.timer = setTimeout(() => this.run(), ms); }
    async run() {
      if (this.busy) { this.schedule(100); return; }
      const go = this.force || this.when();
      const t0 = Date.now();
      this.force = false;
      if (go) {
        this.busy = true;
        try { await this.fn(); } catch (e) { console.error(e); } finally { this.busy = false; }
      }
      this.schedule(Math.max(100, this.ms - (Date.now() - t0))); // a steady period
    }
  }

  async function fetchStats() {
    const r = await api.get('stats/requests');
    connection(r);
    if (!(r.ok && r.data && typeof r.data === 'object')) return;
    S.stats = r.data;
    if (typeof r.data.worker_count === 'number') S.workerCount = r.data.worker_count;
    if (typeof r.data.user_count === 'number') S.userCount = r.data.user_count;
    // Keep the optimistic 'running' for a moment: a cached answer may still
    // say 'ready' or 'stopped' just after a start.
    const stale = (r.data.state === 'ready' || r.data.state === 'stopped') && Date.now() - startedAt < 4000;
    if (r.data.state && !stale) setState(r.data.state);
  }

  const pollers = {
    // Stats and chart points every second while a test runs.
    fast: new Poller(async () => {
      await fetchStats();
      await charts.load();
      renderHeader();
      tabs.rerender();
    }, 1000, isActive),
    // Exceptions, ratios and logs every 5 s while a test runs (and once on load).
    slow: new Poller(async () => {
      const [ex, ta, lg] = await Promise.all([api.get('exceptions'), api.get('tasks'), api.get('logs')]);
      if (ex.ok && ex.data) S.exceptions = Array.isArray(ex.data.exceptions) ? ex.data.exceptions : [];
      if (ta.ok && ta.data) S.tasks = ta.data;
      if (lg.ok && lg.data) S.logs = { master: lg.data.master || [], workers: lg.data.workers || {} };
      tabs.updateBadges();
      tabs.rerender();
    }, 5000, isRunning),
    // Worker count every 2 s while a distributed test waits to start: ready, or stopped (the New
    // form). A stopped master also refreshes the Workers tab: workers come and go between tests,
    // and one that reported it stopped is only counted again once it says it is ready.
    workers: new Poller(async () => {
      if (S.state === 'stopped') {
        await fetchStats();
        renderHeader();
        tabs.rerender();
      } else {
        const r = await api.get('worker-count');
        connection(r);
        if (r.ok && r.data && typeof r.data.worker_count === 'number' && r.data.worker_count !== S.workerCount) {
          S.workerCount = r.data.worker_count;
          renderHeader();
        }
      }
      for (const f of liveForms) f.updateAvailability();
    }, 2000, () => !!TA.is_distributed && (S.state === 'ready' || S.state === 'stopped')),
  };

  // ------------------------------------------------------------------ 10. start-up

  function init() {
    // version: the Locust version rocust matches (Locust's key); rocust_version: rocust's own.
    const version = TA.rocust_version ? `rocust ${TA.rocust_version} (Locust ${TA.version} compatible)` : (TA.version ? `Version ${TA.version}` : '');
    $('#version').textContent = version;
    $('#about-version').textContent = version;
    document.title = TA.profile ? `rocust - ${TA.profile}` : 'rocust';

    $('#theme-toggle').addEventListener('click', () => {
      const next = S.theme === 'dark' ? 'light' : 'dark';
      try { localStorage.setItem('theme', next); } catch { /* ignore */ }
      applyTheme(next);
    });
    $('#about-open').addEventListener('click', () => $('#about-dialog').showModal());
    for (const d of document.querySelectorAll('dialog')) {
      d.addEventListener('click', (ev) => {
        // A click on the backdrop (outside the box) or on a close button closes.
        if (ev.target === d || ev.target.closest('[data-close]')) d.close();
      });
    }
    $('#swarm-dialog').addEventListener('close', () => {
      const body = $('#swarm-dialog-body');
      for (const f of liveForms) if (body.contains(f)) liveForms.delete(f);
    });

    let resizeTimer = 0;
    window.addEventListener('resize', () => {
      clearTimeout(resizeTimer);
      resizeTimer = setTimeout(() => charts.rerender(), 120);
    });

    tabs.build();
    applyTheme(S.theme);
    renderHeader();
    renderView();
    pollers.fast.start();
    pollers.slow.start();
    pollers.workers.start();
  }

  if (document.readyState === 'loading') document.addEventListener('DOMContentLoaded', init);
  else init();
})();

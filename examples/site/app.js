// Fetches the JSON routes and renders them; a headless browser test checks #status says "ok".
async function refresh() {
  const status = document.getElementById('status');
  try {
    const [time, stats] = await Promise.all([
      fetch('/api/time').then((r) => r.json()),
      fetch('/api/stats').then((r) => r.json()),
    ]);
    document.getElementById('time').textContent = time.now;
    document.getElementById('pid').textContent = String(stats.pid);
    document.getElementById('requests').textContent = String(stats.requests);
    status.textContent = 'ok';
    status.className = 'ok';
    // What a headless browser test reads back: did the images decode and the stylesheet apply?
    const imgs = [...document.images];
    document.body.dataset.images = imgs.every((i) => i.complete && i.naturalWidth > 0) ? 'ok' : 'missing';
    const border = getComputedStyle(document.querySelector('header')).borderBottomStyle;
    document.body.dataset.css = border === 'solid' ? 'ok' : 'missing';
  } catch (e) {
    status.textContent = 'error: ' + e;
    status.className = 'error';
  }
}
refresh();
setInterval(refresh, 2000);

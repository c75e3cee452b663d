// Renders the results: a markdown table, and a hand-written SVG bar chart of the ratios.

function fmtValue(v, unit) {
  if (typeof v !== 'number') return '—';
  if (unit === 'µs') return `${v.toFixed(v < 10 ? 2 : 1)} µs`;
  if (unit === 'ms') return `${v.toFixed(v < 10 ? 2 : 1)} ms`;
  if (unit === 'B') return `${Math.round(v).toLocaleString('en-US')} B`;
  return Math.round(v).toLocaleString('en-US');
}

function fmtRatio(r) {
  return typeof r === 'number' ? `${r.toFixed(2)}×` : '—';
}

function verdict(pass) {
  if (pass === true) return 'pass';
  if (pass === false) return '**FAIL**';
  return '—';
}

/** The main results table. The socket.io column holds socket.io-client (bundle) and socket.io-parser (codec). */
export function markdownTable(rows) {
  const lines = [
    '| scenario | emitwire | socket.io | ws | emitwire ÷ ws | emitwire ÷ socket.io | socket.io ÷ ws | target | result |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | --- | --- |',
  ];
  for (const r of rows) {
    const better = r.better === 'lower' ? ' (lower is better)' : '';
    lines.push(
      `| ${r.label}${better} | ${fmtValue(r.values.emitwire, r.unit)} | ${fmtValue(r.values['socket.io'], r.unit)} | ${fmtValue(r.values.ws, r.unit)} | ${fmtRatio(r.ratios.emitwireToWs)} | ${fmtRatio(r.ratios.emitwireToSocketio)} | ${fmtRatio(r.ratios.socketioToWs)} | ${r.target?.text ?? ''} | ${r.target ? verdict(r.pass) : ''} |`,
    );
  }
  return lines.join('\n');
}

export function markdownCpu(rows) {
  const lines = [
    '| scenario | emitwire | socket.io | ws | emitwire ÷ ws | emitwire ÷ socket.io | socket.io ÷ ws |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.label} | ${fmtValue(r.values.emitwire, r.unit)} | ${fmtValue(r.values['socket.io'], r.unit)} | ${fmtValue(r.values.ws, r.unit)} | ${fmtRatio(r.ratios.emitwireToWs)} | ${fmtRatio(r.ratios.emitwireToSocketio)} | ${fmtRatio(r.ratios.socketioToWs)} |`,
    );
  }
  return lines.join('\n');
}

export function markdownRealClients(rows) {
  const lines = [
    '| scenario (each server driven by its own client) | emitwire + @emitwire/client | socket.io + socket.io-client | emitwire ÷ socket.io |',
    '| --- | ---: | ---: | ---: |',
  ];
  for (const r of rows) {
    const better = r.better === 'lower' ? ' (lower is better)' : '';
    lines.push(
      `| ${r.label}${better} | ${fmtValue(r.values.emitwire, r.unit)} | ${fmtValue(r.values['socket.io'], r.unit)} | ${fmtRatio(r.ratios.emitwireToSocketio)} |`,
    );
  }
  return lines.join('\n');
}

function esc(s) {
  return String(s).replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * One row per figure with a target: emitwire's ratio and socket.io's ratio to the target's
 * reference (ws; socket.io-parser for the codec; the 4 KiB budget for the bundle), with the
 * target drawn as a dashed mark.
 */
export function svgChart(rows, meta) {
  const bars = [];
  for (const r of rows) {
    if (!r.target) continue;
    const t = r.target;
    let refName;
    let ew;
    let sio;
    let mark;
    if (t.abs !== undefined) {
      refName = `÷ ${t.abs} B budget`;
      ew = typeof r.values.emitwire === 'number' ? r.values.emitwire / t.abs : null;
      sio = typeof r.values['socket.io'] === 'number' ? r.values['socket.io'] / t.abs : null;
      mark = 1;
    } else if (t.ref === 'ws') {
      refName = '÷ ws';
      ew = r.ratios.emitwireToWs;
      sio = r.ratios.socketioToWs;
      mark = t.ratio;
    } else {
      refName = '÷ socket.io-parser';
      ew = r.ratios.emitwireToSocketio;
      sio = null;
      mark = t.ratio;
    }
    bars.push({ label: r.label, refName, ew, sio, mark, lower: r.better === 'lower', pass: r.pass });
  }

  const W = 820;
  const left = 300;
  const right = 90;
  const top = 86;
  const rowH = 40;
  const plotW = W - left - right;
  const max = Math.min(
    4,
    Math.max(2, ...bars.flatMap((b) => [b.ew ?? 0, b.sio ?? 0, b.mark ?? 0]).map((x) => Math.ceil(x * 2) / 2)),
  );
  const x = (v) => left + (Math.min(v, max) / max) * plotW;
  const H = top + bars.length * rowH + 40;
  const out = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${W}" height="${H}" viewBox="0 0 ${W} ${H}" font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif" font-size="12">`,
  );
  out.push(`<rect width="${W}" height="${H}" fill="#ffffff"/>`);
  out.push(`<text x="16" y="22" font-size="15" font-weight="600" fill="#111">emitwire vs socket.io, as ratios to the reference (same run)</text>`);
  const sub = [meta?.date?.slice(0, 10), meta?.quick ? 'QUICK MODE (not a real run)' : null, meta?.node ? `node ${meta.node}` : null]
    .filter(Boolean)
    .join(' · ');
  out.push(`<text x="16" y="40" fill="#555">${esc(sub)}</text>`);
  // legend
  const ly = 52;
  out.push(`<rect x="16" y="${ly}" width="12" height="12" fill="#2563eb"/><text x="32" y="${ly + 10}" fill="#111">emitwire</text>`);
  out.push(`<rect x="106" y="${ly}" width="12" height="12" fill="#9ca3af"/><text x="122" y="${ly + 10}" fill="#111">socket.io</text>`);
  out.push(
    `<line x1="206" y1="${ly + 6}" x2="226" y2="${ly + 6}" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 3"/><text x="232" y="${ly + 10}" fill="#111">target</text>`,
  );
  out.push(`<text x="290" y="${ly + 10}" fill="#555">✓ target met · ✗ missed</text>`);
  // grid
  for (let g = 0; g <= max; g += 0.5) {
    const gx = x(g);
    out.push(`<line x1="${gx}" y1="${top - 8}" x2="${gx}" y2="${top + bars.length * rowH}" stroke="${g === 1 ? '#111' : '#e5e7eb'}" stroke-width="${g === 1 ? 1.2 : 1}"/>`);
    out.push(`<text x="${gx}" y="${top + bars.length * rowH + 16}" text-anchor="middle" fill="#555">${g.toFixed(1)}×</text>`);
  }
  bars.forEach((b, i) => {
    const y = top + i * rowH;
    const verdictText = b.pass === true ? ' ✓' : b.pass === false ? ' ✗' : '';
    out.push(`<text x="${left - 10}" y="${y + 14}" text-anchor="end" fill="#111">${esc(b.label)}${verdictText}</text>`);
    out.push(`<text x="${left - 10}" y="${y + 28}" text-anchor="end" fill="#666" font-size="11">${esc(b.refName)}${b.lower ? ', lower is better' : ''}</text>`);
    const bar = (v, dy, color) => {
      if (typeof v !== 'number') {
        out.push(`<text x="${left + 4}" y="${y + dy + 10}" fill="#999" font-size="11">n/a</text>`);
        return;
      }
      out.push(`<rect x="${left}" y="${y + dy}" width="${Math.max(1, x(v) - left)}" height="13" fill="${color}"/>`);
      out.push(
        `<text x="${x(v) + 4}" y="${y + dy + 11}" fill="#111" font-size="11" stroke="#fff" stroke-width="3" paint-order="stroke">${v.toFixed(2)}×${v > max ? ' →' : ''}</text>`,
      );
    };
    if (typeof b.mark === 'number') {
      out.push(`<line x1="${x(b.mark)}" y1="${y}" x2="${x(b.mark)}" y2="${y + 34}" stroke="#dc2626" stroke-width="2" stroke-dasharray="4 3"/>`);
    }
    bar(b.ew, 3, '#2563eb');
    if (b.refName !== '÷ socket.io-parser') bar(b.sio, 18, '#9ca3af');
  });
  out.push('</svg>');
  return out.join('\n') + '\n';
}

'use client';

import {
  Bar,
  BarChart,
  CartesianGrid,
  Cell,
  LabelList,
  Legend,
  Line,
  LineChart,
  ReferenceLine,
  ResponsiveContainer,
  Tooltip,
  XAxis,
  YAxis,
} from 'recharts';
import type { BridgeStep } from '@/lib/health';
import type { StoreDashboard } from '@/lib/dashboard';
import { int, pct, shortDay, signed } from './format';

const COLORS = { total: '#334155', loss: '#dc2626', gain: '#d97706', reported: '#0f766e', browser: '#2563eb', server: '#7c3aed', either: '#0f766e', dedup: '#db2777', gap: '#b45309' };

/** orders → lost on both legs → double counted → unexplained → reported, as floating bars. */
export function BridgeChart({ bridge, provisional }: { bridge: BridgeStep[]; provisional: boolean }) {
  let previous = 0;
  const data = bridge.map((s) => {
    const running = s.runningTotal ?? previous;
    const range: [number, number] = s.kind === 'total' ? [0, s.value ?? 0] : [Math.min(previous, running), Math.max(previous, running)];
    const color = s.step === 'orders' ? COLORS.total : s.step === 'reported' ? COLORS.reported : (s.value ?? 0) < 0 ? COLORS.loss : COLORS.gain;
    previous = running;
    return { label: s.label, range, value: s.value, kind: s.kind, color, text: s.value === null ? 'unknown' : s.kind === 'total' ? int(s.value) : signed(s.value) };
  });
  return (
    <ResponsiveContainer width="100%" height={280}>
      <BarChart data={data} margin={{ top: 24, right: 16, left: 8, bottom: 4 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="label" tick={{ fontSize: 11 }} interval={0} />
        <YAxis tick={{ fontSize: 12 }} />
        <Tooltip formatter={(_v, _n, item) => [(item.payload as { text: string }).text, 'orders']} />
        <Bar dataKey="range" isAnimationActive={false} fillOpacity={provisional ? 0.45 : 1}>
          {data.map((d) => (
            <Cell key={d.label} fill={d.color} stroke={provisional ? d.color : undefined} strokeDasharray={provisional ? '4 3' : undefined} />
          ))}
          <LabelList dataKey="text" position="top" style={{ fontSize: 12, fill: '#111827' }} />
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Weekly coverage, dedup rate and reported gap, with release markers on the week they shipped. */
export function TrendChart({ weeks, releases }: Pick<StoreDashboard, 'weeks' | 'releases'>) {
  const data = weeks.map((w) => ({
    week: shortDay(w.from),
    provisional: !w.settled,
    'Browser leg': w.browserCoverage,
    'Server leg': w.serverCoverage,
    'Either leg': w.eitherCoverage,
    'Dedup rate': w.dedupRate,
    'Reported gap': w.reportedGap,
  }));
  const markers = releases
    .map((r) => ({ r, week: weeks.find((w) => r.releasedAt.slice(0, 10) >= w.from && r.releasedAt.slice(0, 10) <= w.to) }))
    .filter((m): m is { r: (typeof releases)[number]; week: (typeof weeks)[number] } => Boolean(m.week));
  // Quarter-point ticks from the lowest value (a negative gap means double counting) to 100%.
  const values = data.flatMap((d) => [d['Browser leg'], d['Server leg'], d['Either leg'], d['Dedup rate'], d['Reported gap']]);
  const lowest = Math.min(0, Math.floor(Math.min(...values.map((v) => v ?? 0)) * 4) / 4);
  const ticks = Array.from({ length: Math.round((1 - lowest) * 4) + 1 }, (_, i) => lowest + i / 4);
  // A week without a value (e.g. no dedup rate when no order has both legs) draws no point: recharts
  // still calls the renderer, with no cy.
  const dot = (color: string) => (props: { cx?: number; cy?: number | null; payload?: { provisional: boolean }; index?: number }) =>
    typeof props.cy === 'number' ? (
      <circle key={props.index} cx={props.cx} cy={props.cy} r={3.5} stroke={color} strokeWidth={1.5} fill={props.payload?.provisional ? '#fff' : color} />
    ) : (
      <g key={props.index} />
    );
  return (
    <ResponsiveContainer width="100%" height={300}>
      <LineChart data={data} margin={{ top: markers.length > 1 ? 34 : 22, right: 16, left: 8, bottom: 4 }}>
        <CartesianGrid strokeDasharray="3 3" vertical={false} />
        <XAxis dataKey="week" tick={{ fontSize: 12 }} />
        <YAxis tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={{ fontSize: 12 }} domain={[lowest, 1]} ticks={ticks} />
        <Tooltip formatter={(v) => pct(typeof v === 'number' ? v : null)} labelFormatter={(l, p) => `Week of ${l}${p?.[0]?.payload?.provisional ? ' (provisional)' : ''}`} />
        <Legend wrapperStyle={{ fontSize: 12 }} />
        {markers.map(({ r, week }, i) => (
          <ReferenceLine key={r.id} x={shortDay(week.from)} stroke="#111827" strokeDasharray="4 4" label={releaseLabel(r.name, i, weeks.indexOf(week) > weeks.length / 2)} />
        ))}
        <Line type="linear" dataKey="Browser leg" stroke={COLORS.browser} dot={dot(COLORS.browser)} isAnimationActive={false} />
        <Line type="linear" dataKey="Server leg" stroke={COLORS.server} dot={dot(COLORS.server)} isAnimationActive={false} />
        <Line type="linear" dataKey="Either leg" stroke={COLORS.either} strokeWidth={2} dot={dot(COLORS.either)} isAnimationActive={false} />
        <Line type="linear" dataKey="Dedup rate" stroke={COLORS.dedup} dot={dot(COLORS.dedup)} isAnimationActive={false} />
        <Line type="linear" dataKey="Reported gap" stroke={COLORS.gap} strokeDasharray="5 3" dot={dot(COLORS.gap)} isAnimationActive={false} />
      </LineChart>
    </ResponsiveContainer>
  );
}

/**
 * A release's name above the plot, beside its line (left of it in the chart's right half, so it stays
 * inside); consecutive releases alternate between two rows so they never overprint.
 */
function releaseLabel(name: string, index: number, leftOfLine: boolean) {
  const short = name.length > 32 ? `${name.slice(0, 31)}…` : name;
  const text = leftOfLine ? `${short} ▲` : `▲ ${short}`;
  return function ReleaseLabel({ viewBox }: { viewBox?: { x?: number; y?: number } }) {
    if (viewBox?.x === undefined || viewBox.y === undefined) return <g />;
    return (
      <text x={viewBox.x + (leftOfLine ? -3 : 3)} y={viewBox.y - 4 - (index % 2) * 13} textAnchor={leftOfLine ? 'end' : 'start'} fontSize={11} fill="#111827">
        {text}
      </text>
    );
  };
}

/** Horizontal bars: a share per category, labelled with the percentage. */
export function ShareBars({ rows, color, height }: { rows: { name: string; value: number | null; note?: string }[]; color: string; height?: number }) {
  return (
    <ResponsiveContainer width="100%" height={height ?? 40 + rows.length * 30}>
      <BarChart data={rows.map((r) => ({ ...r, value: r.value ?? 0, label: pct(r.value, 0) }))} layout="vertical" margin={{ left: 16, right: 48 }}>
        <XAxis type="number" domain={[0, 1]} tickFormatter={(v: number) => `${Math.round(v * 100)}%`} tick={{ fontSize: 12 }} />
        <YAxis type="category" dataKey="name" width={110} tick={{ fontSize: 12 }} />
        <Tooltip formatter={(v) => pct(typeof v === 'number' ? v : null)} />
        <Bar dataKey="value" fill={color} isAnimationActive={false}>
          <LabelList dataKey="label" position="right" style={{ fontSize: 12 }} />
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

/** Horizontal bars of counts (lost-browser causes). */
export function CountBars({ rows, color }: { rows: { name: string; value: number }[]; color: string }) {
  return (
    <ResponsiveContainer width="100%" height={40 + rows.length * 30}>
      <BarChart data={rows} layout="vertical" margin={{ left: 16, right: 48 }}>
        <XAxis type="number" allowDecimals={false} tick={{ fontSize: 12 }} />
        <YAxis type="category" dataKey="name" width={150} tick={{ fontSize: 12 }} />
        <Tooltip />
        <Bar dataKey="value" fill={color} isAnimationActive={false}>
          <LabelList dataKey="value" position="right" style={{ fontSize: 12 }} />
        </Bar>
      </BarChart>
    </ResponsiveContainer>
  );
}

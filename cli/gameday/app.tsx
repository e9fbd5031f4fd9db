import { Box, Text, useApp, useInput, useStdout } from "ink";
import { useEffect, useRef, useState } from "react";
import { SCHEDULER_POLICIES } from "../../models/scheduler/policies.js";
import { INJECT_VERBS } from "../../scenarios/failures/index.js";
import { formatSimClock } from "../../reports/format.js";
import type { ClusterSnapshot, GamedayCommand, NodeState, ServiceSnapshot } from "../../runner/gameday/session.js";
import type { ControllerView, GamedayController, LogLine } from "./controller.js";

/**
 * The game-day screen: clock and speed, the cluster map, gauges and sparklines, queue and
 * running jobs, the event log, and the key line. Fits 80×24 and follows resizes: the map
 * squeezes racks and nodes into the space there is, the log takes what is left.
 */

/**
 * Each state its own glyph as well as its colour: the map must read without colour
 * (NO_COLOR, a monochrome terminal, a colour-blind operator). The legend is drawn from here.
 */
const STATE_STYLE: Readonly<Record<NodeState, { readonly glyph: string; readonly color: string; readonly label: string }>> = {
  busy: { glyph: "■", color: "green", label: "busy" },
  idle: { glyph: "·", color: "gray", label: "idle" },
  "spot-busy": { glyph: "◆", color: "green", label: "spot" },
  spot: { glyph: "◇", color: "gray", label: "spot idle" },
  down: { glyph: "✕", color: "red", label: "down" },
  draining: { glyph: "▪", color: "yellow", label: "draining" },
  throttled: { glyph: "▲", color: "magenta", label: "hot" },
  quarantined: { glyph: "▣", color: "blue", label: "quarantined" },
  mismatch: { glyph: "◉", color: "cyan", label: "bad driver" },
};

export const STATE_GLYPHS: Readonly<Record<NodeState, string>> = Object.fromEntries(
  Object.entries(STATE_STYLE).map(([state, style]) => [state, style.glyph]),
) as Record<NodeState, string>;

/** Worst first: a cell standing for several nodes shows the worst of them. */
const SEVERITY: readonly NodeState[] = ["down", "quarantined", "throttled", "mismatch", "draining", "busy", "spot-busy", "spot", "idle"];

interface MenuItem {
  readonly key: string;
  readonly label: string;
  /** What the target names, or null for a command without one. */
  readonly target: "node" | "rack" | "service" | "replica" | null;
  readonly make: (target: string) => GamedayCommand;
}


const replica = (text: string): number => (/^\d+$/.test(text) ? Number(text) : -1);

export const SERVICE_INJECT_MENU: readonly MenuItem[] = [
  { key: "1", label: "a replica hangs (30 s)", target: "replica", make: (k) => ({ kind: "replica-failure", replica: replica(k), durationS: 30 }) },
  { key: "2", label: "a replica serves 5× slower (30 s)", target: "replica", make: (k) => ({ kind: "replica-slowdown", replica: replica(k), factor: 5, durationS: 30 }) },
  { key: "3", label: "a replica's process leaks memory", target: "replica", make: (k) => ({ kind: "memory-leak", replica: replica(k) }) },
  { key: "4", label: "a traffic spike: 5× the requests (60 s)", target: null, make: () => ({ kind: "load-spike", factor: 5, durationS: 60 }) },
];

export const SERVICE_ACT_MENU: readonly MenuItem[] = [
  { key: "1", label: "restart a replica", target: "replica", make: (k) => ({ kind: "restore-replica", replica: replica(k) }) },
  { key: "2", label: "scale out: one more replica", target: null, make: () => ({ kind: "scale-out" }) },
  { key: "3", label: "turn the circuit breaker on", target: null, make: () => ({ kind: "breaker-on" }) },
  {
    key: "0",
    label: "acknowledge trouble on a replica (its number) or the service (its name)",
    target: "replica",
    make: (k) => (k === "" ? { kind: "ack" } : { kind: "ack", target: /^\d+$/.test(k) ? `replica${k}` : k }),
  },
];

const serviceAction =
  (action: "fail-over" | "repair" | "heal" | "renew-certificate") =>
  (service: string): GamedayCommand => ({ kind: "service", action, service });

/** Declared by the failure kinds (scenarios/failures/), each beside its schema. */
export const INJECT_MENU: readonly MenuItem[] = INJECT_VERBS;

export const ACT_MENU: readonly MenuItem[] = [
  { key: "1", label: "drain a node", target: "node", make: (node) => ({ kind: "drain", node }) },
  { key: "2", label: "quarantine a node", target: "node", make: (node) => ({ kind: "quarantine", node }) },
  { key: "3", label: "return a node to service", target: "node", make: (node) => ({ kind: "undrain", node }) },
  { key: "4", label: "repair a node", target: "node", make: (node) => ({ kind: "repair", node }) },
  { key: "k", label: "repair a rack (all its nodes)", target: "rack", make: (rack) => ({ kind: "repair-rack", rack }) },
  { key: "5", label: "roll back the driver", target: null, make: () => ({ kind: "rollback-driver" }) },
  { key: "6", label: "checkpoint every running job now", target: null, make: () => ({ kind: "checkpoint-now" }) },
  // One action per scheduling policy, keys 7, 8, 9 in the registry's order.
  ...SCHEDULER_POLICIES.map(
    (policy, index): MenuItem => ({
      key: String(7 + index),
      label: `scheduler: ${policy.label}`,
      target: null,
      make: () => ({ kind: "scheduler", policy: policy.name }),
    }),
  ),
  { key: "0", label: "acknowledge trouble on a node or rack", target: "node", make: (target) => ({ kind: "ack", target }) },
  { key: "f", label: "control plane: fail over", target: "service", make: serviceAction("fail-over") },
  { key: "r", label: "control plane: repair units by hand", target: "service", make: serviceAction("repair") },
  { key: "h", label: "control plane: restore the link between units", target: "service", make: serviceAction("heal") },
  { key: "c", label: "control plane: renew the certificate", target: "service", make: serviceAction("renew-certificate") },
];

export type Mode =
  | { readonly kind: "main" }
  | { readonly kind: "help" }
  | { readonly kind: "menu"; readonly title: string; readonly items: readonly MenuItem[] }
  | { readonly kind: "target"; readonly item: MenuItem; readonly text: string };

/**
 * What keys do, mode by mode. Keys typed fast arrive together ("a2r1n5"), so the input is
 * taken one character at a time; Enter, Esc and Backspace come as flags.
 */
export function handleKeys(
  mode: Mode,
  input: string,
  key: { readonly return?: boolean; readonly escape?: boolean; readonly backspace?: boolean; readonly delete?: boolean; readonly ctrl?: boolean },
  controller: GamedayController,
): Mode | "quit" {
  const next = readKeys(mode, input, key, controller);
  // The clock holds while a menu, a prompt or the help is open: the day does not run on
  // while the operator types a node's name.
  controller.hold(next !== "quit" && next.kind !== "main");
  return next;
}

function readKeys(
  mode: Mode,
  input: string,
  key: { readonly return?: boolean; readonly escape?: boolean; readonly backspace?: boolean; readonly delete?: boolean; readonly ctrl?: boolean },
  controller: GamedayController,
): Mode | "quit" {
  if (key.ctrl === true && input === "c") return "quit";
  let current = mode;
  for (const char of input) {
    const next = handleChar(current, char, controller);
    if (next === "quit") return "quit";
    current = next;
  }
  if (current.kind === "target") {
    if (key.escape === true) return { kind: "main" };
    if (key.backspace === true || key.delete === true) return { ...current, text: current.text.slice(0, -1) };
    if (key.return === true) {
      controller.command(current.item.make(current.text.trim()));
      return { kind: "main" };
    }
  } else if (key.escape === true) {
    return { kind: "main" };
  }
  return current;
}

function handleChar(mode: Mode, char: string, controller: GamedayController): Mode | "quit" {
  switch (mode.kind) {
    case "target": {
      if (char === "\r" || char === "\n") {
        controller.command(mode.item.make(mode.text.trim()));
        return { kind: "main" };
      }
      // Node names are r<rack>n<slot>, services like "slurmctld": letters, digits, '-'.
      const typed = char.toLowerCase().replace(/[^a-z0-9-]/g, "");
      // The "r" is there already; typing it again does not double it.
      if (mode.text === "r" && typed === "r") return mode;
      return { ...mode, text: mode.text + typed };
    }
    case "menu": {
      const item = mode.items.find((candidate) => candidate.key === char);
      if (item === undefined) return mode;
      if (item.target !== null) {
        // Node and rack names begin with r; a service name starts as the first service's.
        const prefill = { node: "r", rack: "r", replica: "", service: controller.session.serviceNames()[0] ?? "" }[item.target];
        return { kind: "target", item, text: prefill };
      }
      controller.command(item.make(""));
      return { kind: "main" };
    }
    case "help":
      return char === "q" ? "quit" : { kind: "main" };
    case "main":
      switch (char) {
        case "q":
          return "quit";
        case "?":
          return { kind: "help" };
        case " ":
          controller.togglePause();
          return mode;
        case "+":
        case "=":
        case "]":
          controller.changeSpeed(1);
          return mode;
        case "-":
        case "[":
          controller.changeSpeed(-1);
          return mode;
        case "n":
          controller.step();
          return mode;
        case "i":
          return { kind: "menu", title: "inject a fault", items: applicable(controller, controller.session.kind === "cluster" ? INJECT_MENU : SERVICE_INJECT_MENU) };
        case "a":
          return { kind: "menu", title: "act", items: applicable(controller, controller.session.kind === "cluster" ? ACT_MENU : SERVICE_ACT_MENU) };
        default:
          return mode;
      }
  }
}

/**
 * The entries whose command the scenario has what it needs for (the session's own rule):
 * no link down without a fabric, no control plane without services. Keys stay as declared.
 */
export function applicable(controller: GamedayController, items: readonly MenuItem[]): MenuItem[] {
  const session = controller.session;
  return items.filter((item) => session.unavailable(item.make(item.target === "service" ? (session.serviceNames()[0] ?? "") : "")) === null);
}

const BARS = "▁▂▃▄▅▆▇█";

export function sparkline(values: readonly number[], width: number, max?: number): string {
  const shown = values.slice(-width);
  const top = max ?? Math.max(1e-9, ...shown);
  return shown.map((value) => BARS[Math.min(BARS.length - 1, Math.max(0, Math.round((value / top) * (BARS.length - 1))))]).join("");
}

function useTerminalSize(): { columns: number; rows: number } {
  const { stdout } = useStdout();
  const read = () => ({ columns: stdout.columns ?? 80, rows: stdout.rows ?? 24 });
  const [size, setSize] = useState(read);
  useEffect(() => {
    const onResize = () => setSize(read());
    stdout.on("resize", onResize);
    return () => {
      stdout.off("resize", onResize);
    };
  }, [stdout]);
  return size;
}

export function GamedayApp({ controller, onQuit }: { readonly controller: GamedayController; readonly onQuit: () => void }) {
  const { exit } = useApp();
  const [view, setView] = useState<ControllerView>(() => controller.view());
  const [mode, setMode] = useState<Mode>({ kind: "main" });
  const { columns, rows } = useTerminalSize();
  useEffect(() => controller.subscribe(setView), [controller]);

  const quit = () => {
    onQuit();
    exit();
  };

  // The mode lives in a ref too: a key that comes before React has re-rendered (typing
  // fast) must see the mode the previous key left, not the last one drawn.
  const modeRef = useRef(mode);
  useInput((input, key) => {
    const next = handleKeys(modeRef.current, input, key, controller);
    if (next === "quit") return quit();
    modeRef.current = next;
    setMode(next);
  });

  const snapshot = view.snapshot;
  const body = snapshot.kind === "cluster" ? clusterBody(snapshot, view, columns, rows) : serviceBody(snapshot, view, columns, rows);
  const alertRows = Math.min(ALERT_ROWS_MAX, Math.max(1, view.alerts.length));
  // Header, the body, alerts, message, keys; Ink keeps the last row for its cursor.
  const logRows = Math.max(1, rows - 1 - body.rows - alertRows - 2 - 1);
  const state = view.result !== null ? "■ ended" : view.paused ? "❚❚ paused" : view.held ? "❚❚ held" : `▶ ×${view.speed.toLocaleString("en")}`;
  const span = snapshot.endUs >= 7_200e6 ? `${Math.round(snapshot.endUs / 3.6e9)}h` : `${Math.round(snapshot.endUs / 1e6)}s`;

  return (
    <Box flexDirection="column" width={columns}>
      <Text wrap="truncate">
        <Text bold>faultline gameday</Text> {controller.session.scenarioName}{"  "}
        <Text color="cyan" bold>
          {formatSimClock(snapshot.nowUs)}
        </Text>{"  "}
        {state}
        <Text dimColor> of {span}</Text>
      </Text>
      {body.element}
      <Alerts alerts={view.alerts} rows={alertRows} nowUs={snapshot.nowUs} />
      {mode.kind === "help" ? (
        <Help rows={logRows} />
      ) : mode.kind === "menu" ? (
        <Menu title={mode.title} items={mode.items} rows={logRows} />
      ) : view.result !== null ? (
        <Debrief view={view} rows={logRows} />
      ) : (
        <EventLog log={view.log} rows={logRows} />
      )}
      <Text wrap="truncate" color={view.message.startsWith("refused") ? "red" : "white"}>
        {mode.kind === "target" ? `${mode.item.label}: ${mode.text}▏ (Enter to do it, Esc to cancel)` : view.message || " "}
      </Text>
      <Text dimColor wrap="truncate">
        space pause · +/- speed · n step · i inject · a act · ? help · q quit
      </Text>
    </Box>
  );
}

/** Map beside gauges, the legend, queued and running jobs. */
function clusterBody(snapshot: ClusterSnapshot, view: ControllerView, columns: number, rows: number) {
  const mapWidth = Math.min(Math.max(20, Math.floor(columns / 2) - 2), snapshot.nodesPerRack + 5);
  const mapRows = Math.min(snapshot.racks, Math.max(2, Math.floor((rows - 8) / 2)));
  const status = snapshot.status;
  const budget = status.errorBudgetUsed;
  const element = (
    <>
      <Box>
        <Box flexDirection="column" width={mapWidth + 2} marginRight={1}>
          <ClusterMap snapshot={snapshot} width={mapWidth} rows={mapRows} />
        </Box>
        <Box flexDirection="column" flexGrow={1}>
          <BudgetLine budget={budget} />
          <Text>
            jobs {status.completed} done · <Text color={status.failed > 0 ? "red" : undefined}>{status.failed} failed</Text>
          </Text>
          <Text>
            {status.running} running · {status.queued} queued
          </Text>
          <Text>lost work {status.lostGpuH.toFixed(1)} GPU-h</Text>
          {snapshot.controlPlane.map((service) => (
            <Text key={service.name} wrap="truncate">
              {service.name}{" "}
              <Text color={service.up ? "green" : "red"}>{service.up ? "up" : "DOWN"}</Text>{" "}
              {service.units.map((unit) => (!unit.up ? "✕" : unit.active ? "●" : "○")).join("")}
              {service.splitBrain ? <Text color="red"> split brain</Text> : service.partitioned ? <Text color="yellow"> cut</Text> : ""}
            </Text>
          ))}
          <Sparklines view={view} width={columns - mapWidth - 13} />
        </Box>
      </Box>
      <Text wrap="truncate">
        {(Object.keys(STATE_STYLE) as NodeState[]).map((state) => (
          <Text key={state}>
            <Text color={STATE_STYLE[state].color}>{STATE_STYLE[state].glyph}</Text>
            <Text dimColor>{STATE_STYLE[state].label} </Text>
          </Text>
        ))}
      </Text>
      <Text wrap="truncate">
        <Text dimColor>queue </Text>
        {snapshot.queue.length === 0 ? "empty" : snapshot.queue.slice(0, 8).map((job) => `#${job.id} ${job.nodes}n ${(job.waitedUs / 3.6e9).toFixed(1)}h`).join("  ")}
      </Text>
      <Text wrap="truncate">
        <Text dimColor>running </Text>
        {snapshot.running.slice(0, 8).map((job) => `#${job.id} ${job.firstNode}${job.nodes > 1 ? `+${job.nodes - 1}` : ""}`).join("  ")}
      </Text>
    </>
  );
  return { element, rows: Math.max(mapRows, 6 + snapshot.controlPlane.length) + 3 };
}

/** Replicas (health, queue, speed) beside goodput, latency, errors, breaker and budget. */
function serviceBody(snapshot: ServiceSnapshot, view: ControllerView, columns: number, rows: number) {
  const shown = Math.min(snapshot.replicas.length, Math.max(3, rows - 12));
  const queueMax = Math.max(1, ...snapshot.replicas.map((replica) => replica.queueLength));
  const ended = snapshot.succeeded + snapshot.failed;
  const budget = snapshot.errorBudgetUsed;
  const element = (
    <Box>
      <Box flexDirection="column" width={34} marginRight={1}>
        {snapshot.replicas.slice(0, shown).map((replica, k) => (
          <Text key={k} wrap="truncate">
            <Text dimColor>#{String(k).padEnd(2)} </Text>
            {replica.failed ? (
              <Text color="red">hung </Text>
            ) : !replica.admitted ? (
              <Text color="yellow">out  </Text>
            ) : (
              <Text color="green">ok   </Text>
            )}
            <Text color="yellow">{"▇".repeat(Math.round((replica.queueLength / queueMax) * 10)).padEnd(10, "·")}</Text>
            {` ${String(replica.queueLength).padStart(4)}`}
            {replica.slowdown > 1 ? <Text color="magenta"> ×{replica.slowdown}</Text> : ""}
          </Text>
        ))}
        {snapshot.replicas.length > shown ? <Text dimColor>… {snapshot.replicas.length - shown} more</Text> : null}
      </Box>
      <Box flexDirection="column" flexGrow={1}>
        <BudgetLine budget={budget} />
        <Text>
          goodput {snapshot.requests === 0 ? "—" : `${((100 * snapshot.succeeded) / snapshot.requests).toFixed(1)}%`} · errors{" "}
          <Text color={snapshot.failed > 0 ? "red" : undefined}>{ended === 0 ? "—" : `${((100 * snapshot.failed) / ended).toFixed(1)}%`}</Text>
        </Text>
        <Text>p99 latency {snapshot.latencyP99Ms === null ? "—" : `${snapshot.latencyP99Ms.toFixed(0)} ms`}</Text>
        <Text>
          breaker <Text color={snapshot.breaker === "open" ? "red" : snapshot.breaker === "closed" ? "green" : "gray"}>{snapshot.breaker}</Text> ·
          ejections {snapshot.ejections}
        </Text>
        <Sparklines view={view} width={columns - 49} />
      </Box>
    </Box>
  );
  return { element, rows: Math.max(shown + (snapshot.replicas.length > shown ? 1 : 0), 6) };
}

function ClusterMap({ snapshot, width, rows }: { readonly snapshot: ClusterSnapshot; readonly width: number; readonly rows: number }) {
  const cells = Math.max(1, width - 2 - Math.max(2, String(snapshot.racks - 1).length));
  const nodesPerCell = Math.ceil(snapshot.nodesPerRack / cells);
  const racksPerRow = Math.ceil(snapshot.racks / rows);
  const lines: { label: string; cells: NodeState[] }[] = [];
  const labelDigits = Math.max(2, String(snapshot.racks - 1).length);
  for (let row = 0; row * racksPerRow < snapshot.racks; row++) {
    const firstRack = row * racksPerRow;
    const line: NodeState[] = [];
    for (let cell = 0; cell * nodesPerCell < snapshot.nodesPerRack; cell++) {
      let worst = SEVERITY.length - 1;
      for (let rack = firstRack; rack < Math.min(snapshot.racks, firstRack + racksPerRow); rack++) {
        for (let slot = cell * nodesPerCell; slot < Math.min(snapshot.nodesPerRack, (cell + 1) * nodesPerCell); slot++) {
          worst = Math.min(worst, SEVERITY.indexOf(snapshot.nodes[rack * snapshot.nodesPerRack + slot]));
        }
      }
      line.push(SEVERITY[worst]);
    }
    lines.push({ label: `r${String(firstRack).padStart(labelDigits, "0")}`, cells: line });
  }
  return (
    <Box flexDirection="column">
      {lines.map((line) => (
        <Text key={line.label}>
          <Text dimColor>{line.label} </Text>
          {line.cells.map((state, i) => (
            <Text key={i} color={STATE_STYLE[state].color}>
              {STATE_STYLE[state].glyph}
            </Text>
          ))}
        </Text>
      ))}
    </Box>
  );
}

const ALERT_ROWS_MAX = 3;

/** Alerts firing now: pages in red, tickets in yellow, each with its age; the rest counted. */
function Alerts({ alerts, rows, nowUs }: { readonly alerts: ControllerView["alerts"]; readonly rows: number; readonly nowUs: number }) {
  if (alerts.length === 0) return <Text dimColor>no alerts firing</Text>;
  const shown = alerts.length > rows ? alerts.slice(0, rows - 1) : alerts;
  return (
    <Box flexDirection="column">
      {shown.map((alert) => (
        <Text key={`${alert.rule} ${alert.target}`} wrap="truncate">
          <Text color={alert.severity === "page" ? "red" : "yellow"} bold={alert.severity === "page"}>
            {alert.severity === "page" ? "PAGE  " : "TICKET"}
          </Text>{" "}
          {alert.rule} {alert.target} <Text dimColor>{alert.detail} · {elapsed(nowUs - alert.firedUs)}</Text>
        </Text>
      ))}
      {alerts.length > shown.length ? <Text dimColor>… {alerts.length - shown.length} more alerts</Text> : null}
    </Box>
  );
}

/** The SLO's error budget spent so far, as a gauge and a percentage. */
function BudgetLine({ budget }: { readonly budget: number | null }) {
  return (
    <Text>
      SLO budget <Gauge fraction={budget ?? 0} width={12} /> {budget === null ? "—" : `${Math.round(budget * 100)}%`}
    </Text>
  );
}

/** Load (0–1) and work waiting over simulated time. */
function Sparklines({ view, width }: { readonly view: ControllerView; readonly width: number }) {
  return (
    <>
      <Text>
        load <Text color="green">{sparkline(view.busy, Math.max(8, width), 1)}</Text>
      </Text>
      <Text>
        queue <Text color="yellow">{sparkline(view.queue, Math.max(8, width - 1))}</Text>
      </Text>
    </>
  );
}

function Gauge({ fraction, width }: { readonly fraction: number; readonly width: number }) {
  const filled = Math.min(width, Math.round(Math.min(1, Math.max(0, fraction)) * width));
  const color = fraction >= 1 ? "red" : fraction >= 0.5 ? "yellow" : "green";
  return (
    <Text>
      <Text color={color}>{"█".repeat(filled)}</Text>
      <Text dimColor>{"░".repeat(width - filled)}</Text>
    </Text>
  );
}

function EventLog({ log, rows }: { readonly log: readonly LogLine[]; readonly rows: number }) {
  const shown = log.slice(-rows);
  return (
    <Box flexDirection="column" height={rows}>
      {shown.map((line, i) => (
        <Text key={i} wrap="truncate" color={line.operator ? "cyan" : undefined}>
          <Text dimColor>{formatSimClock(line.atUs)} </Text>
          {line.text}
        </Text>
      ))}
    </Box>
  );
}

function Menu({ title, items, rows }: { readonly title: string; readonly items: readonly MenuItem[]; readonly rows: number }) {
  // As many columns as it takes to fit the rows there are.
  const perColumn = Math.max(1, rows - 1);
  const columns: MenuItem[][] = [];
  for (let i = 0; i < items.length; i += perColumn) columns.push(items.slice(i, i + perColumn));
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold>{title} (its key, or Esc)</Text>
      <Box>
        {columns.map((column, c) => (
          <Box key={c} flexDirection="column" marginRight={2}>
            {column.map((item) => (
              <Text key={item.key} wrap="truncate">
                <Text color="cyan">{item.key}</Text> {item.label}
              </Text>
            ))}
          </Box>
        ))}
      </Box>
    </Box>
  );
}

export const HELP_LINES = [
  "space  pause / resume            +  -  speed ×1 … ×100,000",
  "n      step to the next event    i     inject: crash, power, heat, driver, rollout, spot, …",
  "a      act: drain, quarantine, return, repair a node or rack, roll back, checkpoint, scheduler,",
  "       acknowledge (name the node, rack or replica an alert names: only that detects an incident there),",
  "       and on the control plane: fail over, repair, restore the link, renew the certificate",
  "Alerts: PAGE (the SLO burns over 2×, a rack or service down) and TICKET (a node, a GPU, a replica);",
  "one per problem while it holds, none for nodes you drained or quarantined (maintenance).",
  "q      quit: the session, result and debrief are saved",
  "Nodes are named r<rack>n<slot>, e.g. r01n05. Any key closes this help.",
];

function Help({ rows }: { readonly rows: number }) {
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold>keys</Text>
      {HELP_LINES.map((line) => (
        <Text key={line} wrap="truncate">
          {line}
        </Text>
      ))}
    </Box>
  );
}

function Debrief({ view, rows }: { readonly view: ControllerView; readonly rows: number }) {
  const result = view.result!;
  const budget = result.metrics.slo_error_budget_used;
  const lost = result.metrics.lost_work_gpu_h;
  return (
    <Box flexDirection="column" height={rows}>
      <Text bold color="cyan">
        game day over{result.score === null ? "" : ` — score ${result.score}/100`}
      </Text>
      <Text wrap="truncate">
        error budget spent {budget === null ? "—" : `${Math.round(budget * 100)}%`}
        {lost === null ? "" : ` · work lost ${lost.toFixed(1)} GPU-h`}
        {result.objectives === null ? "" : ` (objective: ≤ ${Math.round(result.objectives.errorBudget * 100)}% of the budget)`}
      </Text>
      {result.incidents.map((incident) => (
        <Text key={incident.title} wrap="truncate">
          {incident.title}: {incident.alertedUs === null ? "no alert" : `alert ${minutes(incident.alertedUs - incident.startUs)}`}
          {", "}
          {incident.detectedUs === null ? "not detected" : `detected ${minutes(incident.detectedUs - incident.startUs)}`}
          {", "}
          {incident.mitigatedUs === null ? "not mitigated" : `mitigated ${minutes(incident.mitigatedUs - incident.startUs)}`} · {incident.points} pts
        </Text>
      ))}
      <Text dimColor>press q to leave</Text>
    </Box>
  );
}

function minutes(us: number): string {
  return `after ${elapsed(us)}`;
}

/** Seconds on a service's scale, minutes or hours on a cluster's. */
function elapsed(us: number): string {
  return us < 120e6 ? `${Math.round(us / 1e6)} s` : us < 7_200e6 ? `${Math.round(us / 60e6)} min` : `${(us / 3_600e6).toFixed(1)} h`;
}

import type { ReadyLine } from '../sim/simulator';

/**
 * The flow `npm start` loads: everything wired against the simulator, nothing to click. Each node of the package
 * adds itself here as it arrives.
 */
export const DEMO_ACCOUNT_ID = 'cardata-demo-account';

/** A cardata-account node pointed at a running simulator (its ready line): server Custom, its URLs and CA. */
export function simulatorAccountNode(
  ready: Pick<ReadyLine, 'clientId' | 'authBaseUrl' | 'apiBaseUrl' | 'mqtt'>,
  id: string,
  extra: Record<string, unknown> = {},
): { id: string; type: string } & Record<string, unknown> {
  return {
    id,
    type: 'cardata-account',
    clientId: ready.clientId,
    server: 'custom',
    authBaseUrl: ready.authBaseUrl,
    apiBaseUrl: ready.apiBaseUrl,
    mqttHost: ready.mqtt.host,
    mqttPort: ready.mqtt.port,
    caFile: ready.mqtt.caFile,
    verbose: false,
    redactVins: false,
    ...extra,
  };
}

/** The simulator's Traccar server and the model name of the car magic SOC watches. */
export interface DemoExtras {
  traccar?: { url: string; token: string; devices: { name: string; vin: string }[] };
  /** Model name per VIN, as basicData gives it. */
  models?: Record<string, string>;
}

export const DEMO_TRACCAR_ID = 'cardata-demo-traccar';

/** The flow; with `extras.traccar`, also magic SOC fed by the simulator's Traccar server. */
export function demoFlow(ready: ReadyLine, extras: DemoExtras = {}): Record<string, unknown>[] {
  const tab = 'cardata-demo-tab';
  return [...baseFlow(ready, tab), ...(extras.traccar ? drivingFlow(ready, tab, extras.traccar, extras.models) : [])];
}

/** flows_cred.json of the demo: the Traccar token (the account's tokens live in their own file). */
export function demoCredentials(extras: DemoExtras): Record<string, Record<string, string>> {
  return extras.traccar ? { [DEMO_TRACCAR_ID]: { token: extras.traccar.token } } : {};
}

function debugNode(id: string, tab: string, name: string, x: number, y: number): Record<string, unknown> {
  return {
    id,
    type: 'debug',
    z: tab,
    name,
    active: true,
    tosidebar: true,
    console: false,
    tostatus: true,
    complete: 'true',
    targetType: 'full',
    statusVal: 'payload',
    statusType: 'msg',
    x,
    y,
    wires: [],
  };
}

/**
 * Magic SOC of the first car, with its speed from the simulator's Traccar server: magic SOC's trip events start and
 * stop the Traccar polling, the speeds go back into magic SOC. Its status shows the value, driving and the bracket.
 */
function drivingFlow(
  ready: ReadyLine,
  tab: string,
  traccar: NonNullable<DemoExtras['traccar']>,
  models: Record<string, string> = {},
): Record<string, unknown>[] {
  const vin = ready.vins[0] ?? '';
  return [
    { id: DEMO_TRACCAR_ID, type: 'cardata-traccar', name: 'Simulated Traccar', url: traccar.url, maxAge: 300 },
    {
      id: 'cardata-demo-magic',
      type: 'cardata-magic-soc',
      z: tab,
      name: 'magic SOC (while driving)',
      vin,
      capacity: 0,
      model: models[vin] ?? '',
      output: 'contract',
      x: 380,
      y: 440,
      wires: [['cardata-demo-magic-debug', 'cardata-demo-traccar-speed']],
    },
    debugNode('cardata-demo-magic-debug', tab, 'magic SOC (status: value, mode, speed bracket)', 660, 440),
    {
      id: 'cardata-demo-traccar-speed',
      type: 'cardata-traccar-speed',
      z: tab,
      name: 'speed from Traccar',
      traccar: DEMO_TRACCAR_ID,
      vinMap: traccar.devices.map((d) => `${d.vin}:${d.name}`).join(', '),
      mode: 'trip',
      output: 'contract',
      x: 380,
      y: 500,
      wires: [['cardata-demo-magic', 'cardata-demo-speed-debug']],
    },
    debugNode('cardata-demo-speed-debug', tab, 'Traccar speed (km/h)', 640, 500),
  ];
}

function baseFlow(ready: ReadyLine, tab: string): Record<string, unknown>[] {
  return [
    { id: tab, type: 'tab', label: 'BMW CarData demo', disabled: false, info: demoInfo(ready) },
    simulatorAccountNode(ready, DEMO_ACCOUNT_ID, { name: 'Simulated BMW account' }),
    {
      id: 'cardata-demo-about',
      type: 'comment',
      z: tab,
      name: "Running against the CarData simulator (see this tab's description)",
      info: demoInfo(ready),
      x: 250,
      y: 40,
      wires: [],
    },
    {
      id: 'cardata-demo-stream',
      type: 'cardata-vehicle-stream',
      z: tab,
      name: 'SOC, charging, doors, location, trips',
      account: DEMO_ACCOUNT_ID,
      vin: '',
      descriptors: [
        'vehicle.drivetrain.batteryManagement.header',
        'vehicle.powertrain.electric.battery.stateOfCharge.displayed',
        'vehicle.drivetrain.electricEngine.charging.status',
        'vehicle.powertrain.electric.battery.charging.power',
        'vehicle.cabin.door.status',
        'vehicle.vehicle.travelledDistance',
      ].join('\n'),
      output: 'descriptor',
      onlyOnChange: true,
      streamHealth: true,
      location: true,
      motion: true,
      trips: true,
      emitRestored: false,
      x: 170,
      y: 180,
      wires: [['cardata-demo-stream-debug']],
    },
    debugNode('cardata-demo-stream-debug', tab, 'BMW stream', 430, 180),
    {
      id: 'cardata-demo-batches',
      type: 'cardata-vehicle-stream',
      z: tab,
      name: 'whole BMW messages',
      account: DEMO_ACCOUNT_ID,
      vin: '',
      descriptors: '',
      output: 'batch',
      onlyOnChange: false,
      streamHealth: false,
      x: 160,
      y: 120,
      // Magic SOC exists only when the demo runs with the simulator's Traccar server; Node-RED ignores a wire to a
      // node that is not there.
      wires: [['cardata-demo-predicted', 'cardata-demo-magic']],
    },
    {
      id: 'cardata-demo-predicted',
      type: 'cardata-predicted-soc',
      z: tab,
      name: 'predicted SOC',
      vin: '',
      capacity: 0,
      powertrain: 'auto',
      output: 'contract',
      x: 380,
      y: 120,
      wires: [['cardata-demo-predicted-debug']],
    },
    debugNode('cardata-demo-predicted-debug', tab, 'predicted SOC (vs BMW SOC below)', 620, 120),
    {
      id: 'cardata-demo-api-tick',
      type: 'inject',
      z: tab,
      name: 'ask BMW once',
      props: [{ p: 'payload' }],
      repeat: '',
      crontab: '',
      once: true,
      onceDelay: '5',
      topic: '',
      payload: '',
      payloadType: 'date',
      x: 150,
      y: 260,
      wires: [['cardata-demo-api']],
    },
    {
      id: 'cardata-demo-api',
      type: 'cardata-api-call',
      z: tab,
      name: 'telematic data (REST)',
      account: DEMO_ACCOUNT_ID,
      operation: 'getTelematicData',
      vin: ready.vins[0],
      poll: false,
      pollBudget: 24,
      x: 360,
      y: 260,
      wires: [['cardata-demo-api-debug'], []],
    },
    {
      id: 'cardata-demo-api-debug',
      type: 'debug',
      z: tab,
      name: 'BMW REST answer',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: false,
      complete: 'true',
      targetType: 'full',
      statusVal: '',
      statusType: 'auto',
      x: 580,
      y: 260,
      wires: [],
    },
    {
      id: 'cardata-demo-truth-tick',
      type: 'inject',
      z: tab,
      name: 'every 30 s',
      props: [{ p: 'payload' }],
      repeat: '30',
      crontab: '',
      once: true,
      onceDelay: '2',
      topic: '',
      payload: '',
      payloadType: 'date',
      x: 150,
      y: 340,
      wires: [['cardata-demo-truth-get']],
    },
    {
      id: 'cardata-demo-truth-get',
      type: 'http request',
      z: tab,
      name: "simulator's true state",
      method: 'GET',
      ret: 'obj',
      paytoqs: 'ignore',
      url: `${ready.apiBaseUrl}/sim/state`,
      tls: '',
      persist: false,
      proxy: '',
      insecureHTTPParser: false,
      authType: '',
      senderr: false,
      headers: [],
      x: 370,
      y: 340,
      wires: [['cardata-demo-truth-soc']],
    },
    {
      id: 'cardata-demo-truth-soc',
      type: 'change',
      z: tab,
      name: 'true SOC per car',
      rules: [
        {
          t: 'set',
          p: 'payload',
          pt: 'msg',
          to: 'payload.vehicles.{vin: $round(soc, 1)}',
          tot: 'jsonata',
        },
      ],
      x: 590,
      y: 340,
      wires: [['cardata-demo-truth-debug']],
    },
    {
      id: 'cardata-demo-truth-debug',
      type: 'debug',
      z: tab,
      name: 'simulator truth',
      active: true,
      tosidebar: true,
      console: false,
      tostatus: true,
      complete: 'payload',
      targetType: 'msg',
      statusVal: 'payload',
      statusType: 'auto',
      x: 800,
      y: 340,
      wires: [],
    },
  ];
}

function demoInfo(ready: ReadyLine): string {
  return [
    'This demo runs against the built-in BMW CarData simulator, not BMW.',
    '',
    `- Login and REST API: ${ready.apiBaseUrl}`,
    `- Approval page: ${ready.authBaseUrl}/oneid/link`,
    `- MQTT stream: mqtts://${ready.mqtt.host}:${ready.mqtt.port} (CA: ${ready.mqtt.caFile})`,
    `- Client ID: ${ready.clientId}`,
    `- Vehicles: ${ready.vins.join(', ')}`,
    '',
    "The simulator's control API (`/sim/state`, `/sim/faults`, …) is described in the README.",
  ].join('\n');
}

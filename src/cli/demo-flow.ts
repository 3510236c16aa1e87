import type { ReadyLine } from '../sim/simulator';

/**
 * The flow `npm start` loads: everything wired against the simulator, nothing to click. Each node of the package
 * adds itself here as it arrives.
 */
export const DEMO_ACCOUNT_ID = 'cardata-demo-account';

export function demoFlow(ready: ReadyLine): Record<string, unknown>[] {
  const tab = 'cardata-demo-tab';
  return [
    { id: tab, type: 'tab', label: 'BMW CarData demo', disabled: false, info: demoInfo(ready) },
    {
      id: DEMO_ACCOUNT_ID,
      type: 'cardata-account',
      name: 'Simulated BMW account',
      clientId: ready.clientId,
      server: 'custom',
      authBaseUrl: ready.authBaseUrl,
      apiBaseUrl: ready.apiBaseUrl,
      mqttHost: ready.mqtt.host,
      mqttPort: ready.mqtt.port,
      caFile: ready.mqtt.caFile,
      verbose: false,
      redactVins: false,
    },
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
      y: 100,
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
      y: 100,
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
      y: 100,
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
      y: 100,
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

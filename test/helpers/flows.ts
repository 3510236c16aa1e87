/** A cardata-account node pointed at a running simulator (its ready line). */
export function accountConfig(
  ready: {
    clientId: string;
    authBaseUrl: string;
    apiBaseUrl: string;
    mqtt: { host: string; port: number; caFile: string };
  },
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
    ...extra,
  };
}

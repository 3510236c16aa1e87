import type { NodeStatus } from 'node-red';
import type { StreamHealth } from '../../cardata/stream';

// A full i18n key (namespace:key) so every user node of the account shows it translated.
const NS = 'node-red-contrib-bmw-cardata/cardata-account:cardata-account.status';

/** Node-RED's status vocabulary (STYLE.md): yellow ring connecting, green dot ok, red ring error, grey ring quiet/idle. */
export function streamStatus(health: StreamHealth): NodeStatus {
  switch (health) {
    case 'connecting':
      return { fill: 'yellow', shape: 'ring', text: `${NS}.connecting` };
    case 'reconnecting':
      return { fill: 'yellow', shape: 'ring', text: `${NS}.reconnecting` };
    case 'connected':
      return { fill: 'green', shape: 'dot', text: `${NS}.connected` };
    case 'quiet':
      return { fill: 'grey', shape: 'ring', text: `${NS}.quiet` };
    case 'failed':
      return { fill: 'red', shape: 'ring', text: `${NS}.failed` };
    case 'login_required':
      return { fill: 'red', shape: 'ring', text: `${NS}.loginRequired` };
    case 'idle':
      return { fill: 'grey', shape: 'ring', text: `${NS}.idle` };
  }
}

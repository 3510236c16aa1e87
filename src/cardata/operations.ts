/**
 * The 11 operations of BMW's CarData REST API (bmw-openapi/cardata-customer-api-v1.json), as data: the api-call node
 * offers them by operationId, and the client builds requests from this table.
 */
export type OperationId =
  | 'getMappings'
  | 'getBasicData'
  | 'listContainers'
  | 'createContainer'
  | 'getContainerDetails'
  | 'deleteContainer'
  | 'getTelematicData'
  | 'getChargingHistory'
  | 'getImage'
  | 'getLocationBasedChargingSettings'
  | 'getSmartMaintenanceTyreDiagnosis';

export interface OperationSpec {
  id: OperationId;
  method: 'GET' | 'POST' | 'DELETE';
  path: string;
  pathParams: ('vin' | 'containerId')[];
  query: { name: string; required: boolean }[];
  body?: 'container';
  binary?: boolean;
  summary: string;
}

export const OPERATIONS: Record<OperationId, OperationSpec> = {
  getMappings: {
    id: 'getMappings',
    method: 'GET',
    path: '/customers/vehicles/mappings',
    pathParams: [],
    query: [],
    summary: 'Vehicles mapped to the account',
  },
  getBasicData: {
    id: 'getBasicData',
    method: 'GET',
    path: '/customers/vehicles/{vin}/basicData',
    pathParams: ['vin'],
    query: [],
    summary: 'Static vehicle data (model, drivetrain, battery size)',
  },
  listContainers: {
    id: 'listContainers',
    method: 'GET',
    path: '/customers/containers',
    pathParams: [],
    query: [],
    summary: 'The telematics containers of the account',
  },
  createContainer: {
    id: 'createContainer',
    method: 'POST',
    path: '/customers/containers',
    pathParams: [],
    query: [],
    body: 'container',
    summary: 'Create a telematics container',
  },
  getContainerDetails: {
    id: 'getContainerDetails',
    method: 'GET',
    path: '/customers/containers/{containerId}',
    pathParams: ['containerId'],
    query: [],
    summary: 'One container with its descriptors',
  },
  deleteContainer: {
    id: 'deleteContainer',
    method: 'DELETE',
    path: '/customers/containers/{containerId}',
    pathParams: ['containerId'],
    query: [],
    summary: 'Delete a container',
  },
  getTelematicData: {
    id: 'getTelematicData',
    method: 'GET',
    path: '/customers/vehicles/{vin}/telematicData',
    pathParams: ['vin'],
    query: [{ name: 'containerId', required: true }],
    summary: "Current values of a container's descriptors",
  },
  getChargingHistory: {
    id: 'getChargingHistory',
    method: 'GET',
    path: '/customers/vehicles/{vin}/chargingHistory',
    pathParams: ['vin'],
    query: [
      { name: 'from', required: true },
      { name: 'to', required: true },
      { name: 'nextToken', required: false },
    ],
    summary: 'Charging sessions in a time window (at most 45 days)',
  },
  getImage: {
    id: 'getImage',
    method: 'GET',
    path: '/customers/vehicles/{vin}/image',
    pathParams: ['vin'],
    query: [],
    binary: true,
    summary: 'A picture of the vehicle',
  },
  getLocationBasedChargingSettings: {
    id: 'getLocationBasedChargingSettings',
    method: 'GET',
    path: '/customers/vehicles/{vin}/locationBasedChargingSettings',
    pathParams: ['vin'],
    query: [{ name: 'nextToken', required: false }],
    summary: 'Charging settings per learned location',
  },
  getSmartMaintenanceTyreDiagnosis: {
    id: 'getSmartMaintenanceTyreDiagnosis',
    method: 'GET',
    path: '/customers/vehicles/{vin}/smartMaintenanceTyreDiagnosis',
    pathParams: ['vin'],
    query: [],
    summary: 'Tyre diagnosis',
  },
};

export function isOperationId(value: unknown): value is OperationId {
  return typeof value === 'string' && Object.prototype.hasOwnProperty.call(OPERATIONS, value);
}

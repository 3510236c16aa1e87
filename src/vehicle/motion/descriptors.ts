/** The BMW descriptors motion and trip detection read (reference/algorithms.md §0.3). */
export const LAT = 'vehicle.cabin.infotainment.navigation.currentLocation.latitude';
export const LON = 'vehicle.cabin.infotainment.navigation.currentLocation.longitude';
export const HEADING = 'vehicle.cabin.infotainment.navigation.currentLocation.heading';
export const MOV = 'vehicle.isMoving';
export const DOOR = 'vehicle.cabin.door.status';
export const ODO = 'vehicle.vehicle.travelledDistance';
export const STAT = 'vehicle.drivetrain.electricEngine.charging.status';

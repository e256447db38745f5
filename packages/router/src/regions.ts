/**
 * Approximate coordinates [latitude, longitude] of common AWS, Google Cloud and
 * Azure regions, for the distance signal. Extend or override with the router's
 * `regions` option. A region not listed has no distance (neutral factor).
 */
export const REGION_COORDINATES: Readonly<Record<string, readonly [number, number]>> = Object.freeze({
  // AWS
  'us-east-1': [38.9, -77.4],
  'us-east-2': [40.0, -83.0],
  'us-west-1': [37.4, -121.9],
  'us-west-2': [45.8, -119.7],
  'ca-central-1': [45.5, -73.6],
  'sa-east-1': [-23.5, -46.6],
  'eu-west-1': [53.3, -6.3],
  'eu-west-2': [51.5, -0.1],
  'eu-west-3': [48.9, 2.4],
  'eu-central-1': [50.1, 8.7],
  'eu-central-2': [47.4, 8.5],
  'eu-north-1': [59.3, 18.1],
  'eu-south-1': [45.5, 9.2],
  'ap-northeast-1': [35.7, 139.7],
  'ap-northeast-2': [37.6, 127.0],
  'ap-southeast-1': [1.3, 103.8],
  'ap-southeast-2': [-33.9, 151.2],
  'ap-south-1': [19.1, 72.9],
  'ap-east-1': [22.3, 114.2],
  'af-south-1': [-33.9, 18.4],
  'me-south-1': [26.1, 50.6],
  // Google Cloud
  'us-central1': [41.3, -95.9],
  'us-east1': [33.2, -80.0],
  'us-east4': [39.0, -77.5],
  'us-west1': [45.6, -121.2],
  'us-west2': [34.1, -118.2],
  'northamerica-northeast1': [45.5, -73.6],
  'southamerica-east1': [-23.5, -46.6],
  'europe-west1': [50.4, 3.8],
  'europe-west2': [51.5, -0.1],
  'europe-west3': [50.1, 8.7],
  'europe-west4': [53.4, 6.8],
  'europe-west6': [47.4, 8.5],
  'europe-west9': [48.9, 2.4],
  'europe-north1': [60.6, 27.2],
  'europe-southwest1': [40.4, -3.7],
  'asia-east1': [24.1, 120.7],
  'asia-east2': [22.3, 114.2],
  'asia-northeast1': [35.7, 139.7],
  'asia-southeast1': [1.3, 103.8],
  'asia-south1': [19.1, 72.9],
  'australia-southeast1': [-33.9, 151.2],
  // Azure
  eastus: [37.4, -79.4],
  eastus2: [36.7, -78.4],
  westus: [37.8, -122.4],
  westus2: [47.2, -119.9],
  centralus: [41.6, -93.6],
  canadacentral: [43.7, -79.4],
  brazilsouth: [-23.5, -46.6],
  northeurope: [53.3, -6.3],
  westeurope: [52.4, 4.9],
  uksouth: [51.5, -0.1],
  francecentral: [46.3, 2.4],
  germanywestcentral: [50.1, 8.7],
  swedencentral: [60.7, 17.1],
  switzerlandnorth: [47.5, 8.6],
  japaneast: [35.7, 139.7],
  koreacentral: [37.6, 127.0],
  southeastasia: [1.3, 103.8],
  eastasia: [22.3, 114.2],
  australiaeast: [-33.9, 151.2],
  centralindia: [18.6, 73.9],
  southafricanorth: [-26.2, 28.0],
});

const EARTH_RADIUS_KM = 6371;
const rad = (d: number) => (d * Math.PI) / 180;

/** Great-circle distance between two regions, km; 0 for the same region; undefined when either is unknown. */
export function regionDistanceKm(
  from: string | undefined,
  to: string | undefined,
  extra: Readonly<Record<string, readonly [number, number]>> = {},
): number | undefined {
  if (from === undefined || to === undefined) return undefined;
  if (from === to) return 0;
  const a = extra[from] ?? REGION_COORDINATES[from];
  const b = extra[to] ?? REGION_COORDINATES[to];
  if (!a || !b) return undefined;
  const dLat = rad(b[0] - a[0]);
  const dLon = rad(b[1] - a[1]);
  const h = Math.sin(dLat / 2) ** 2 + Math.cos(rad(a[0])) * Math.cos(rad(b[0])) * Math.sin(dLon / 2) ** 2;
  return 2 * EARTH_RADIUS_KM * Math.asin(Math.min(1, Math.sqrt(h)));
}

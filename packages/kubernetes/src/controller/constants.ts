export { DATAJOB_API_VERSION, DATAJOB_GROUP, DATAJOB_KIND, DATAJOB_PLURAL, DATAJOB_VERSION } from '../crd.js';

/** The finalizer the controller puts on a DataJob it dispatches: removed once the provider job is cancelled or finished. */
export const DATAJOB_FINALIZER = 'batch.mcp/cancel-provider-job';

/** `source.component` / `reportingComponent` of the Events the controller writes. */
export const CONTROLLER_COMPONENT = 'polycloud-datajob-controller';

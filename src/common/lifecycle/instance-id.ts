/** Injection token of this process's instance id (unique per process, names it in the cluster). */
export const INSTANCE_ID = Symbol('INSTANCE_ID');

// Locks within one process live in the kit (the hybrid uses them too); memory keeps its export.
export { InProcessLocks } from '@stowage/kit';

// multiprocessing.shared_memory as a namespace: SharedMemory (posixkit/mmap's,
// the same named segments as Python's) and ShareableList.
export { SharedMemory } from '../mmap';
export { ShareableList } from './shareable-list';
export type { ShareableItem } from './shareable-list';

export type { SearchView } from '@tinysaver/contracts';

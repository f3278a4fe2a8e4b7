/** A page of results with an opaque cursor; `cursor` is absent on the last page. */
export interface Page<T> {
  items: T[];
  cursor?: string;
}

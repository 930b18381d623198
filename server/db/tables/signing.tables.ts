// Tables of the signing area. Each area keeps its table types in its own file; server/db/types.ts composes them.
// eslint-disable-next-line @typescript-eslint/no-empty-object-type
export interface SigningTables {}

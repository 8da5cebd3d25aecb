/**
 * Documentation classes mirror a mapper interface: `class XResponse implements XJson,
 * OnlyKeysOf<XJson, XResponse>`. `implements` alone catches a field the doc class lacks; this
 * also makes a field the mapper no longer produces a type error, so the two cannot drift apart.
 */
export type OnlyKeysOf<Json, Doc> = { [K in Exclude<keyof Doc, keyof Json>]: never };

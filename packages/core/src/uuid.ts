const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID in its canonical text form (checked before any value reaches a uuid column). */
export const isUuid = (text: string): boolean => UUID.test(text);

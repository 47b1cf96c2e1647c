// Where a message came from: a file and its line, or a Kafka topic, partition and offset. Dead
// letters carry them (the table, the archive, the dead-letter topic's headers), so that an
// upstream system can find the message it sent.

export type Coordinates =
  | { readonly kind: 'file'; readonly file: string; readonly line: number }
  | { readonly kind: 'kafka'; readonly topic: string; readonly partition: number; readonly offset: string };

export function formatCoordinates(c: Coordinates): string {
  return c.kind === 'file' ? `${c.file}:${c.line}` : `${c.topic}/${c.partition}@${c.offset}`;
}

/**
 * Node flags for the apps and the other processes npm start supervises. They run their TypeScript as it
 * is, on Node's own type stripping (Node ≥ 22.18; the `node` devDependency is 24), not through tsx: tsx's
 * module hooks run on a thread of their own and cost each process about 18 MB. The heap caps: without
 * them V8 lets the young generation alone grow past 100 MB under load, while the live heap stays small;
 * 8 MB semi-spaces rather than 16 took command-api's peak from 258 to 221 MB in the bench, for no
 * measurable loss of throughput.
 */
export const APP_NODE_FLAGS = ['--max-semi-space-size=8', '--max-old-space-size=160'];

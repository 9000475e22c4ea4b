/**
 * Node flags for the three apps, wherever they are launched (npm start, the bench, Docker): without a
 * cap V8 lets the young generation alone grow past 100 MB under load, while the live heap stays small.
 */
export const APP_NODE_FLAGS = ['--max-semi-space-size=16', '--max-old-space-size=160'];

/** `pipelines/<pipeline>/<stage>/stage.json`, the only place stage files are looked for (light: the plugin entry uses it before loading anything). */
export const STAGE_FILE_GLOB = 'pipelines/*/*/stage.json';

// Stands in for the bare `monaco-editor` import (scripts/build-ide.mjs aliases it here): the editor core and the
// JSON language that GraphiQL's variables, headers and response editors use. GraphQL comes from monaco-graphql.
// The full entry would add some eighty other languages (about 3 MB) that GraphiQL never shows.
import 'monaco-editor/esm/vs/language/json/monaco.contribution.js';

export * from 'monaco-editor/esm/vs/editor/edcore.main.js';

// Package convert plans how an MLflow model folder is rearranged for a Seldon Core server,
// and carries such a plan out on an artifact store.
//
// NewPlan is pure: from a parsed MLmodel, the listing of the model folder, the predictor,
// the application name and the Seldon API (v1 or v2) it returns a Plan saying which
// objects to copy where, which small files to write (config.pbtxt, model-settings.json),
// and the URI the server will load. A plan prints as JSON and is tested without servers.
//
// Apply carries a plan out with server-side copies run in parallel, skips targets that
// already hold the right content, removes targets the plan no longer has, and writes a
// manifest (<root>/.conversion.json) last, once everything else succeeded: a rerun on
// unchanged sources finds the manifest and does nothing but compare.
package convert

// Preloaded by run.sh (not part of the sample): console.log's default depth of 2 would print the
// result list as [Object]; a full depth lets the orchestrator see the user id and result.
require("node:util").inspect.defaultOptions.depth = null;

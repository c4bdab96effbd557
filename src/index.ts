/**
 * The package's programmatic entry (`import ... from "larkstatus"`): the testing API, which is
 * also at `larkstatus/testing`. The server itself is the `larkstatus` command (dist/main.js).
 */
export * from "./testing.js";

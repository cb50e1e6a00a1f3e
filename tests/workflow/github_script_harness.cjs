// Runs the plan workflow's actions/github-script body against an in-memory PR.
// Usage: node github_script_harness.cjs SCRIPT_FILE STATE_FILE
// STATE_FILE holds {"comments": [{id, body, user: {type}}]}; it is rewritten with the
// comments after the run. github-script passes the same names: github, context, require.
"use strict";
const fs = require("node:fs");

async function main() {
  const [scriptFile, stateFile] = process.argv.slice(2);
  const state = JSON.parse(fs.readFileSync(stateFile, "utf8"));
  let nextId = 1000;
  const calls = [];
  const issues = {
    listComments: async () => ({ data: state.comments }),
    createComment: async ({ body }) => {
      calls.push("create");
      state.comments.push({ id: ++nextId, body, user: { type: "Bot" } });
    },
    updateComment: async ({ comment_id, body }) => {
      calls.push("update");
      state.comments.find((c) => c.id === comment_id).body = body;
    },
    deleteComment: async ({ comment_id }) => {
      calls.push("delete");
      state.comments = state.comments.filter((c) => c.id !== comment_id);
    },
  };
  const github = {
    rest: { issues },
    paginate: async (method, params) => (await method(params)).data,
  };
  const context = { repo: { owner: "o", repo: "r" }, issue: { number: 7 } };
  const AsyncFunction = Object.getPrototypeOf(async () => {}).constructor;
  const run = new AsyncFunction("require", "github", "context", fs.readFileSync(scriptFile, "utf8"));
  await run(require, github, context);
  state.calls = calls;
  fs.writeFileSync(stateFile, JSON.stringify(state));
}

main().catch((err) => {
  process.stderr.write(String((err && err.stack) || err) + "\n");
  process.exit(1);
});

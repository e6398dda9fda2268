/**
 * Code execution, AutoGen 0.2's classic pair: the assistant writes Python (or shell) in Markdown code blocks, the user
 * proxy runs them and replies with what they printed, until the assistant says TERMINATE. Before each run the client
 * is asked to approve it (humanInputMode 'TERMINATE'; 'NEVER' would run without asking).
 *
 * This runs model-written code on the server's machine. The server refuses unless its operator allows it:
 *
 * Run it:   npx agentws serve --allow-code-execution --on-connect examples/code-execution.mjs
 * Talk:     npx agentws connect "Compute the 10th Fibonacci number with Python."   (answer 'yes' to run the code)
 *
 * Without --allow-code-execution the user proxy runs nothing and tells the assistant why (docs/code-execution.md).
 */
import { AssistantAgent, LocalCommandLineCodeExecutor, UserProxyAgent, configListFromJson } from 'agentws';

export default async function onConnect(iostream, context) {
  const message = await iostream.input();
  const configList = context?.configList.length ? context.configList : configListFromJson('OAI_CONFIG_LIST');
  const assistant = new AssistantAgent({ name: 'assistant', llmConfig: { configList, stream: true } });

  // A new temporary working folder for this connection, removed at the end; each block may run 30 seconds.
  const executor = new LocalCommandLineCodeExecutor({ timeout: 30 });
  const userProxy = new UserProxyAgent({
    name: 'user_proxy',
    humanInputMode: 'TERMINATE',
    maxConsecutiveAutoReply: 5,
    isTerminationMsg: (m) => (m.content ?? '').trimEnd().endsWith('TERMINATE'),
    codeExecutionConfig: { executor },
  });
  try {
    await userProxy.initiateChat(assistant, { message });
  } finally {
    executor.close();
  }
}

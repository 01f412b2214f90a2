import { parseArgs, type ParseArgsConfig } from 'node:util';

// The flag handling every `lading <command>` shares: strict flags, -h/--help prints the usage
// (exit 0), and a usage mistake is one `lading: <message>` line plus a pointer to --help
// (exit 2), never a stack trace. Each command still lists its own flags.

/** Where a command writes; `lading stats` takes one from its caller so tests can run it in-process. */
export interface CommandOutput {
  stdout: (text: string) => void;
  stderr: (text: string) => void;
}

export const processOutput: CommandOutput = {
  stdout: (text) => process.stdout.write(text),
  stderr: (text) => process.stderr.write(text),
};

type OptionsConfig = NonNullable<ParseArgsConfig['options']>;

const HELP_OPTION = { help: { type: 'boolean', short: 'h' } } as const;

export interface CommandArgsSpec<O extends OptionsConfig> {
  /** `gc` in `Run "lading gc --help" for usage.` */
  command: string;
  /** Printed for --help. */
  usage: string;
  /** The command's flags; -h/--help is added. */
  options: O;
  /** Exit status for a usage mistake (default 2). */
  usageErrorExitCode?: number;
  output?: CommandOutput;
}

type CommandValues<O extends OptionsConfig> = ReturnType<
  typeof parseArgs<{ args: string[]; options: O & typeof HELP_OPTION; strict: true; allowPositionals: false }>
>['values'];

/** The parsed flags, or the exit status when the command is done already (--help answered, usage error reported). */
export type ParsedCommandArgs<O extends OptionsConfig> = { values: CommandValues<O>; exitCode?: undefined } | { exitCode: number };

export function parseCommandArgs<const O extends OptionsConfig>(argv: string[], spec: CommandArgsSpec<O>): ParsedCommandArgs<O> {
  const output = spec.output ?? processOutput;
  let values: CommandValues<O>;
  try {
    ({ values } = parseArgs({ args: argv, options: { ...spec.options, ...HELP_OPTION }, strict: true, allowPositionals: false }));
  } catch (error) {
    // An unknown flag, a missing value or a stray argument is a usage error, as in main.ts.
    if (!isParseArgsError(error)) throw error;
    writeUsageError(spec.command, (error as Error).message, output);
    return { exitCode: spec.usageErrorExitCode ?? 2 };
  }
  if ((values as { help?: boolean }).help === true) {
    output.stdout(`${spec.usage}\n`);
    return { exitCode: 0 };
  }
  return { values };
}

/** node:util parseArgs's ERR_PARSE_ARGS_* errors: unknown flag, missing value, stray positional. */
export function isParseArgsError(error: unknown): boolean {
  return (error as NodeJS.ErrnoException | undefined)?.code?.startsWith('ERR_PARSE_ARGS_') ?? false;
}

/** `lading: <message>` and the pointer to the command's --help. */
export function writeUsageError(command: string, message: string, output: CommandOutput = processOutput): void {
  output.stderr(`lading: ${message}\nRun "lading ${command} --help" for usage.\n`);
}

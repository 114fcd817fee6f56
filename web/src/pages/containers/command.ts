// A command line typed as text, split into argv the way a POSIX shell splits words: blanks
// separate words, 'single quotes' keep everything literally, "double quotes" keep blanks and
// take \" \\ \$ \` escapes, and a backslash outside quotes keeps the next character. Nothing is
// expanded ($VAR, globs, ~): the engine runs the argv as it is.

export type ParsedCommand = { ok: true; argv: string[] } | { ok: false; error: string };

/** Bounds what a typed command may turn into. */
export const MAX_COMMAND_LENGTH = 16_384;
export const MAX_COMMAND_ARGS = 1_000;

const BLANK = /[ \t\r\n]/;
const DOUBLE_QUOTE_ESCAPES = new Set(['"', "\\", "$", "`"]);

export function parseCommand(text: string): ParsedCommand {
  if (text.length > MAX_COMMAND_LENGTH) return { ok: false, error: `The command is longer than ${MAX_COMMAND_LENGTH} characters.` };
  const argv: string[] = [];
  let word = "";
  // A word exists once anything (even an empty pair of quotes) was written for it.
  let inWord = false;
  let i = 0;
  const end = () => {
    if (inWord) argv.push(word);
    word = "";
    inWord = false;
  };
  while (i < text.length) {
    const c = text[i]!;
    if (BLANK.test(c)) {
      end();
      i += 1;
      continue;
    }
    if (c === "\\") {
      if (i + 1 >= text.length) return { ok: false, error: "The command ends with a lone backslash." };
      const next = text[i + 1]!;
      // A backslash before a line break joins the lines.
      if (next !== "\n") {
        word += next;
        inWord = true;
      }
      i += 2;
      continue;
    }
    if (c === "'") {
      const close = text.indexOf("'", i + 1);
      if (close < 0) return { ok: false, error: "A single quote (') is not closed." };
      word += text.slice(i + 1, close);
      inWord = true;
      i = close + 1;
      continue;
    }
    if (c === '"') {
      let j = i + 1;
      let closed = false;
      while (j < text.length) {
        const d = text[j]!;
        if (d === '"') {
          closed = true;
          break;
        }
        if (d === "\\" && j + 1 < text.length) {
          const next = text[j + 1]!;
          if (DOUBLE_QUOTE_ESCAPES.has(next)) {
            word += next;
            j += 2;
            continue;
          }
          if (next === "\n") {
            j += 2;
            continue;
          }
        }
        word += d;
        j += 1;
      }
      if (!closed) return { ok: false, error: 'A double quote (") is not closed.' };
      inWord = true;
      i = j + 1;
      continue;
    }
    word += c;
    inWord = true;
    i += 1;
  }
  end();
  if (argv.length > MAX_COMMAND_ARGS) return { ok: false, error: `The command has more than ${MAX_COMMAND_ARGS} words.` };
  return { ok: true, argv };
}

const PLAIN_WORD = /^[A-Za-z0-9_@%+=:,./-]+$/;

/** argv as one line a shell (and parseCommand) would split back into the same words. */
export function formatCommand(argv: ReadonlyArray<string>): string {
  return argv.map((arg) => (PLAIN_WORD.test(arg) ? arg : `'${arg.replace(/'/g, `'\\''`)}'`)).join(" ");
}

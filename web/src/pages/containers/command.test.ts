import { describe, expect, it } from "vitest";
import { formatCommand, MAX_COMMAND_LENGTH, parseCommand } from "./command";

const argv = (text: string) => {
  const parsed = parseCommand(text);
  if (!parsed.ok) throw new Error(parsed.error);
  return parsed.argv;
};

describe("parseCommand", () => {
  it("splits on blanks, collapsing runs of them", () => {
    expect(argv("nginx -g  'daemon off;'")).toEqual(["nginx", "-g", "daemon off;"]);
    expect(argv("  a\tb\nc  ")).toEqual(["a", "b", "c"]);
    expect(argv("")).toEqual([]);
    expect(argv("   ")).toEqual([]);
  });

  it("keeps single-quoted text literally, backslashes included", () => {
    expect(argv(`echo 'a \\n "b" $HOME'`)).toEqual(["echo", 'a \\n "b" $HOME']);
  });

  it("takes the shell's escapes inside double quotes and keeps other backslashes", () => {
    expect(argv(`sh -c "echo \\"hi\\" \\\\ \\$x \\n"`)).toEqual(["sh", "-c", 'echo "hi" \\ $x \\n']);
  });

  it("escapes any character with a backslash outside quotes, and joins lines on backslash-newline", () => {
    expect(argv("a\\ b c\\'d \\\\")).toEqual(["a b", "c'd", "\\"]);
    expect(argv("run \\\n --fast")).toEqual(["run", "--fast"]);
  });

  it("joins adjacent quoted and plain parts into one word, and keeps empty quoted words", () => {
    expect(argv(`--name="my app"'s' x`)).toEqual(["--name=my apps", "x"]);
    expect(argv(`a '' "" b`)).toEqual(["a", "", "", "b"]);
  });

  it("does not expand variables, globs or tildes", () => {
    expect(argv("ls $HOME/*.txt ~")).toEqual(["ls", "$HOME/*.txt", "~"]);
  });

  it("refuses unbalanced quotes and a trailing backslash with a message", () => {
    expect(parseCommand("echo 'oops")).toEqual({ ok: false, error: "A single quote (') is not closed." });
    expect(parseCommand('echo "oops')).toEqual({ ok: false, error: 'A double quote (") is not closed.' });
    expect(parseCommand('echo "a\\"')).toEqual({ ok: false, error: 'A double quote (") is not closed.' });
    expect(parseCommand("echo \\")).toEqual({ ok: false, error: "The command ends with a lone backslash." });
  });

  it("keeps hostile text as plain words", () => {
    expect(argv(`echo "<script>alert(1)</script>" $(rm -rf /) ; \`id\``)).toEqual([
      "echo",
      "<script>alert(1)</script>",
      "$(rm",
      "-rf",
      "/)",
      ";",
      "`id`",
    ]);
  });

  it("bounds the input", () => {
    expect(parseCommand("a".repeat(MAX_COMMAND_LENGTH + 1)).ok).toBe(false);
    expect(parseCommand("a ".repeat(1001)).ok).toBe(false);
    expect(argv("a ".repeat(1000))).toHaveLength(1000);
  });
});

describe("formatCommand", () => {
  it("quotes what needs quoting so that parsing gives the words back", () => {
    const words = ["sh", "-c", "echo 'hi' && ls", "", "plain/path.txt", "a\"b", "<img src=x>"];
    const line = formatCommand(words);
    expect(line).toBe(`sh -c 'echo '\\''hi'\\'' && ls' '' plain/path.txt 'a"b' '<img src=x>'`);
    expect(argv(line)).toEqual(words);
  });
});

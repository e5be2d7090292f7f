import * as fs from 'node:fs';
import * as path from 'node:path';
import { IOError } from '../errors';
import { requireMemory } from '../memory';
import { invalid } from '../validate';

/**
 * Flags to open a file for reading without blocking: opening a FIFO with plain O_RDONLY waits for a writer
 * (forever, if there is none), before the regular-file check could refuse it. No effect on regular files.
 */
export const READ_NONBLOCK = fs.constants.O_RDONLY | (fs.constants.O_NONBLOCK ?? 0);

/** descent's version from package.json. */
export function packageVersion(): string {
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  return (require(path.join(__dirname, '..', '..', 'package.json')) as { version: string }).version;
}

/**
 * Reads a whole regular file. Devices, FIFOs and directories are refused (reading `/dev/zero` would never end), and
 * a file larger than the memory limit throws MemoryLimitError before any read. I/O errors become an IOError
 * naming the path.
 * @param argument the option that named the file (`path`, `resumeFrom`), for the error.
 */
export function readFileChecked(file: string, argument = 'path'): Buffer {
  if (typeof file !== 'string' || file === '') throw invalid(argument, 'a non-empty file path string', file);
  let fd: number;
  try {
    fd = fs.openSync(file, READ_NONBLOCK);
  } catch (e) {
    throw new IOError(`Cannot read ${JSON.stringify(file)}: ${(e as Error).message}`, argument, { cause: e });
  }
  try {
    let st: fs.Stats;
    try {
      st = fs.fstatSync(fd);
    } catch (e) {
      throw new IOError(`Cannot read ${JSON.stringify(file)}: ${(e as Error).message}`, argument, { cause: e });
    }
    if (!st.isFile()) throw new IOError(`Cannot read ${JSON.stringify(file)}: not a regular file (a ${st.isDirectory() ? 'directory' : 'device, FIFO or socket'})`, argument);
    requireMemory(st.size, argument, `Reading ${JSON.stringify(file)} (${st.size} bytes)`);
    try {
      return fs.readFileSync(fd);
    } catch (e) {
      throw new IOError(`Cannot read ${JSON.stringify(file)}: ${(e as Error).message}`, argument, { cause: e });
    }
  } finally {
    fs.closeSync(fd);
  }
}

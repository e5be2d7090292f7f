import * as fs from 'node:fs';
import * as path from 'node:path';
import { dirname, resolve } from 'node:path';
import { randomBytes } from 'node:crypto';
import { IOError } from '../errors';
import { invalid } from '../validate';
import { requireMemory } from '../memory';

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

/**
 * Replaces the file at `path` with `data` atomically: readers see the old file or the new one, never a partial
 * write, even if the process or machine dies midway.
 *
 * Writes `<path>.<pid>.<random>.tmp` in the same directory (rename is only atomic within one file system), fsyncs
 * it, renames it over `path`, then fsyncs the directory so the rename itself is durable (best effort: not every
 * platform can open a directory). An existing target's permission bits are kept. On any failure the temporary file
 * is removed and the error rethrown; `path` is then untouched. A symlink at `path` is replaced, not followed.
 *
 * @throws OptionError for bad arguments; IOError with the `fs` error as `cause` (e.g. ENOENT when the directory
 *   does not exist).
 */
export function writeFileAtomic(path: string, data: Uint8Array): void {
  if (typeof path !== 'string' || path === '') throw invalid('path', 'a non-empty file path', path);
  if (!(ArrayBuffer.isView(data) && data instanceof Uint8Array)) throw invalid('data', 'a Uint8Array or Buffer', data);
  const w = new AtomicWriter(path);
  w.write(data);
  w.commit();
}

/**
 * {@link writeFileAtomic} in pieces: `write` appends to the temporary file, `commit` syncs it and renames it over
 * `path`, `abort` removes it (`path` untouched). For output too large to hold at once (the CLI's predictions).
 * @throws IOError naming `path` from any step (the temporary file is then removed).
 */
export class AtomicWriter {
  private fd: number | undefined;
  private readonly tmp: string;
  constructor(private readonly path: string) {
    if (typeof path !== 'string' || path === '') throw invalid('path', 'a non-empty file path', path);
    this.tmp = `${path}.${process.pid}.${randomBytes(6).toString('hex')}.tmp`;
    this.guard(() => {
      this.fd = fs.openSync(this.tmp, 'wx', 0o666); // 'wx': never reuse (or follow a symlink at) an existing name
      let mode: number | undefined;
      try {
        mode = fs.statSync(path).mode & 0o7777;
      } catch {
        // no existing file: keep the default (umask) mode
      }
      if (mode !== undefined) fs.fchmodSync(this.fd, mode);
    });
  }

  private guard(f: () => void): void {
    try {
      f();
    } catch (e) {
      this.abort();
      throw new IOError(`Cannot write ${JSON.stringify(this.path)}: ${(e as Error).message}`, 'path', { cause: e });
    }
  }

  write(data: Uint8Array | string): void {
    if (this.fd === undefined) throw new IOError(`Cannot write ${JSON.stringify(this.path)}: the writer is closed`, 'path');
    const bytes = typeof data === 'string' ? Buffer.from(data) : data;
    this.guard(() => {
      let done = 0;
      while (done < bytes.length) done += fs.writeSync(this.fd!, bytes, done, bytes.length - done);
    });
  }

  commit(): void {
    if (this.fd === undefined) throw new IOError(`Cannot write ${JSON.stringify(this.path)}: the writer is closed`, 'path');
    this.guard(() => {
      fs.fsyncSync(this.fd!);
      fs.closeSync(this.fd!);
      this.fd = undefined;
      fs.renameSync(this.tmp, this.path);
    });
    try {
      const dirFd = fs.openSync(dirname(resolve(this.path)), 'r');
      try {
        fs.fsyncSync(dirFd);
      } finally {
        fs.closeSync(dirFd);
      }
    } catch {
      // Best effort: directories cannot be opened/fsynced on some platforms (Windows); the data itself is synced.
    }
  }

  /** Removes the temporary file; `path` is untouched. Safe to call more than once. */
  abort(): void {
    if (this.fd !== undefined) {
      try {
        fs.closeSync(this.fd);
      } catch {
        // already failing; the original error matters
      }
      this.fd = undefined;
    }
    try {
      fs.unlinkSync(this.tmp);
    } catch {
      // not created, or already gone
    }
  }
}

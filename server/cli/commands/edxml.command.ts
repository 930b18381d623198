// `vanthu edxml …`: read, build and check edXML packages (QCVN 102:2016/BTTTT) from the command line,
// with the same library the axis transport uses. Refused packages end with a Vietnamese message and
// a non-zero exit code (the error is thrown to server/cli/main.ts, which prints it).
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Command } from 'commander';
import { AppError } from '../../errors.ts';
import {
  buildDocumentPackage,
  buildStatusPackage,
  parseEdxml,
  signPackage,
  statusLabel,
  verifyPackageSignature,
  type AttachmentInput,
  type DocumentPackageInput,
  type ParsedEdxml,
  type StatusPackageInput,
} from '../../axis/edxml/index.ts';

const BUSINESS_TYPES: Record<number, { name: string; label: string }> = {
  0: { name: 'new', label: 'Văn bản mới' },
  1: { name: 'revoke', label: 'Thu hồi' },
  2: { name: 'update', label: 'Cập nhật' },
  3: { name: 'replace', label: 'Thay thế' },
};

async function readInput(file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (e) {
    throw new AppError('not_found', `Không đọc được tệp "${file}": ${(e as NodeJS.ErrnoException).code ?? String(e)}.`);
  }
}

/** What `parse --json` prints: the package's own element names, plus what we computed from it. */
export function parseReport(p: ParsedEdxml): Record<string, unknown> {
  if (p.kind === 'status') {
    const code = p.package.MessageHeader.StatusCode;
    return {
      kind: 'status',
      MessageHeader: p.package.MessageHeader,
      status: { code, label: statusLabel(code) ?? null },
      signature: p.signature,
      warnings: p.warnings,
    };
  }
  const type = p.package.TraceHeaderList.Bussiness.BussinessDocType;
  return {
    kind: 'document',
    MessageHeader: p.package.MessageHeader,
    TraceHeaderList: p.package.TraceHeaderList,
    businessType: { code: type, ...BUSINESS_TYPES[type] },
    Manifest: p.package.Manifest,
    attachments: p.attachments.map((a) => ({
      ContentId: a.ContentId,
      AttachmentName: a.AttachmentName,
      ContentType: a.ContentType ?? null,
      fileContentType: a.fileContentType,
      fileName: a.fileName,
      size: a.size,
      sha256: a.sha256,
    })),
    signature: p.signature,
    warnings: p.warnings,
  };
}

function textReport(p: ParsedEdxml): string {
  const lines: string[] = [];
  const h = p.package.MessageHeader;
  lines.push(`Nơi gửi: ${h.From.OrganId} ${h.From.OrganName ?? ''}`.trimEnd());
  if (p.kind === 'status') {
    const s = p.package.MessageHeader;
    lines.push(`Gói tin trạng thái: ${s.StatusCode} ${statusLabel(s.StatusCode) ?? '(mã không xác định)'}`);
    lines.push(`Văn bản: ${s.ResponseFor.DocumentId}`);
    lines.push(`Thời điểm: ${s.Timestamp}`);
    if (s.Description) lines.push(`Mô tả: ${s.Description}`);
  } else {
    const d = p.package.MessageHeader;
    const b = p.package.TraceHeaderList.Bussiness;
    lines.push(`Nơi nhận: ${d.To.map((t) => t.OrganId).join(', ')}`);
    lines.push(`Số, ký hiệu: ${d.Code.CodeNumber}/${d.Code.CodeNotation}   Ngày: ${d.PromulgationInfo.PromulgationDate}`);
    lines.push(`Loại: ${d.DocumentType.TypeName ?? d.DocumentType.Type}   Nghiệp vụ: ${BUSINESS_TYPES[b.BussinessDocType]?.label}`);
    lines.push(`Trích yếu: ${d.Subject}`);
    lines.push(`DocumentId: ${d.DocumentId}`);
    for (const t of p.package.TraceHeaderList.TraceHeader) lines.push(`Vết: ${t.OrganId} ${t.Timestamp}`);
    for (const a of p.attachments) {
      lines.push(`Tệp: ${a.AttachmentName} (${a.fileContentType}, ${a.size} byte) sha256=${a.sha256}`);
    }
  }
  lines.push(`Chữ ký: ${p.signature ? (p.signature.xmldsig ? 'có (XMLDSig)' : 'có (không theo chuẩn XMLDSig)') : 'không có'}`);
  for (const w of p.warnings) lines.push(`Cảnh báo [${w.code}] ${w.path}: ${w.message}`);
  return `${lines.join('\n')}\n`;
}

interface JsonAttachment {
  AttachmentName: string;
  Description?: string;
  ContentType?: string;
  ContentId?: string;
  /** Path of the file, relative to the JSON model. */
  File?: string;
  ContentBase64?: string;
}

type JsonModel =
  | ({ kind?: 'document'; Attachments?: JsonAttachment[] } & Omit<DocumentPackageInput, 'Attachments'>)
  | ({ kind: 'status' } & StatusPackageInput);

async function loadJsonModel(file: string): Promise<JsonModel> {
  const text = (await readInput(file)).toString('utf8');
  try {
    const model = JSON.parse(text) as unknown;
    if (!model || typeof model !== 'object' || !('MessageHeader' in model)) {
      throw new AppError('validation', `Tệp "${file}" không chứa mô hình gói tin edXML (thiếu MessageHeader).`);
    }
    return model as JsonModel;
  } catch (e) {
    if (e instanceof AppError) throw e;
    throw new AppError('validation', `Tệp "${file}" không phải JSON hợp lệ: ${(e as Error).message}`);
  }
}

async function loadAttachments(list: JsonAttachment[] | undefined, baseDir: string): Promise<AttachmentInput[]> {
  if (list !== undefined && !Array.isArray(list)) throw new AppError('validation', 'Attachments phải là một danh sách.');
  const out: AttachmentInput[] = [];
  for (const a of list ?? []) {
    let Content: Buffer;
    if (typeof a.File === 'string') Content = await readInput(path.resolve(baseDir, a.File));
    else if (typeof a.ContentBase64 === 'string') Content = Buffer.from(a.ContentBase64, 'base64');
    else throw new AppError('validation', `Tệp đính kèm "${a.AttachmentName}" thiếu File hoặc ContentBase64.`);
    const { File: _file, ContentBase64: _b64, ...header } = a;
    out.push({ ...header, Content });
  }
  return out;
}

export function buildEdxmlCommand(): Command {
  const edxml = new Command('edxml').description('Gói tin liên thông edXML (QCVN 102:2016/BTTTT)');

  edxml
    .command('parse')
    .description('Đọc một gói tin edXML: thông tin văn bản, vết, tệp đính kèm, cảnh báo')
    .requiredOption('--in <file>', 'tệp .edxml')
    .option('--json', 'in ra JSON')
    .action(async (opts: { in: string; json?: boolean }) => {
      const parsed = await parseEdxml(await readInput(opts.in));
      process.stdout.write(opts.json ? `${JSON.stringify(parseReport(parsed), null, 2)}\n` : textReport(parsed));
    });

  edxml
    .command('build')
    .description('Tạo gói tin edXML từ mô hình JSON hoặc từ một văn bản đi trong cơ sở dữ liệu (tùy chọn ký bằng khóa của cơ quan)')
    .option('--from-json <file>', 'mô hình JSON: MessageHeader, TraceHeaderList, Attachments[{AttachmentName, File}]')
    .option('--document <id>', 'mã văn bản đi trong cơ sở dữ liệu (cần DATABASE_URL)')
    .option('--to <code>', 'với --document: mã cơ quan nhận (mặc định: nơi nhận đầu tiên)')
    .requiredOption('--out <file>', 'tệp .edxml sẽ tạo')
    .option('--sign-key <pem>', 'khóa bí mật PEM của cơ quan gửi')
    .option('--sign-cert <pem>', 'chứng thư số PEM (kèm chuỗi nếu có)')
    .action(async (opts: { fromJson?: string; document?: string; to?: string; out: string; signKey?: string; signCert?: string }) => {
      if (!!opts.signKey !== !!opts.signCert) {
        throw new AppError('validation', 'Cần cả --sign-key và --sign-cert để ký gói tin.');
      }
      if (!!opts.fromJson === !!opts.document) throw new AppError('validation', 'Cần đúng một trong --from-json hoặc --document.');
      let xml: string;
      let attachments = 0;
      if (opts.document) {
        // Loaded lazily: the file-only commands need no database.
        const { buildFromDatabase } = await import('./axis.command.ts');
        const built = await buildFromDatabase(opts.document, opts.to);
        xml = built.xml;
        attachments = built.attachments;
      } else {
        const model = await loadJsonModel(opts.fromJson!);
        if (model.kind === 'status' || 'StatusCode' in (model.MessageHeader ?? {})) {
          xml = buildStatusPackage({ MessageHeader: (model as StatusPackageInput).MessageHeader });
        } else {
          const doc = model as Exclude<JsonModel, { kind: 'status' }>;
          const Attachments = await loadAttachments(doc.Attachments, path.dirname(path.resolve(opts.fromJson!)));
          attachments = Attachments.length;
          xml = await buildDocumentPackage({ MessageHeader: doc.MessageHeader, TraceHeaderList: doc.TraceHeaderList, Attachments });
        }
      }
      if (opts.signKey && opts.signCert) {
        xml = signPackage(xml, { keyPem: await readInput(opts.signKey), certPem: await readInput(opts.signCert) });
      }
      await writeFile(opts.out, xml, 'utf8');
      process.stdout.write(
        `Đã tạo ${opts.out} (${Buffer.byteLength(xml)} byte, ${attachments} tệp đính kèm, ${opts.signKey ? 'đã ký' : 'chưa ký'}).\n`,
      );
    });

  edxml
    .command('verify')
    .description('Kiểm tra chữ ký số XMLDSig của cơ quan gửi trên gói tin edXML')
    .requiredOption('--in <file>', 'tệp .edxml')
    .option('--trust-root <pem...>', 'chứng thư gốc tin cậy (có thể nhiều tệp)')
    .option('--json', 'in ra JSON')
    .action(async (opts: { in: string; trustRoot?: string[]; json?: boolean }) => {
      const trustRoots = opts.trustRoot ? await Promise.all(opts.trustRoot.map((f) => readInput(f))) : undefined;
      const result = verifyPackageSignature(await readInput(opts.in), { trustRoots });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      } else {
        process.stdout.write(
          `${result.valid ? 'Hợp lệ' : 'KHÔNG hợp lệ'}: ${result.reason}\n` +
            (result.signerSubject ? `Người ký: ${result.signerSubject}\n` : ''),
        );
      }
      if (!result.valid) process.exitCode = 1;
    });

  return edxml;
}

export function registerEdxmlCommands(program: Command): void {
  program.addCommand(buildEdxmlCommand());
}

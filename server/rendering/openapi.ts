// OpenAPI 3.1 description of /api/v1, served at /api/v1/openapi.json.
const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const idParam = { name: 'id', in: 'path', required: true, schema: { type: 'string', pattern: '^\\d+$' } };
const errors = {
  '401': { description: 'Chưa xác thực', content: { 'application/json': { schema: ref('Error') } } },
  '403': { description: 'Không có quyền', content: { 'application/json': { schema: ref('Error') } } },
  '404': { description: 'Không tìm thấy (cũng cho văn bản của cơ quan khác)', content: { 'application/json': { schema: ref('Error') } } },
  '409': { description: 'Thao tác không hợp lệ ở trạng thái hiện tại', content: { 'application/json': { schema: ref('Error') } } },
  '422': { description: 'Dữ liệu không hợp lệ', content: { 'application/json': { schema: ref('Error') } } },
};
const json = (schema: object) => ({ content: { 'application/json': { schema } } });

export const OPENAPI_DOCUMENT = {
  openapi: '3.1.0',
  info: {
    title: 'VănThư API',
    version: '1.0.0',
    description:
      'Quản lý văn bản đến, văn bản đi, sổ văn bản. Tên trường theo Phụ lục VI Nghị định 30/2020/NĐ-CP và edXML (QCVN 102:2016). ' +
      'Xác thực: cookie phiên (ghi thêm tiêu đề X-CSRF-Token khi thay đổi dữ liệu) hoặc Authorization: Bearer (npx vanthu token create --user TÊN).',
  },
  servers: [{ url: '/api/v1' }],
  security: [{ bearer: [] }, { session: [] }],
  components: {
    securitySchemes: {
      bearer: { type: 'http', scheme: 'bearer' },
      session: { type: 'apiKey', in: 'cookie', name: 'vt_sid' },
    },
    schemas: {
      Error: {
        type: 'object',
        required: ['error'],
        properties: { error: { type: 'object', properties: { code: { type: 'string' }, message: { type: 'string' }, details: { type: 'object' }, requestId: { type: 'string' } } } },
      },
      Document: {
        type: 'object',
        properties: {
          id: { type: 'string' },
          direction: { enum: ['incoming', 'outgoing'] },
          state: { type: 'string' },
          documentType: { type: 'object', properties: { type: { type: 'string' }, typeName: { type: 'string' } } },
          code: { type: 'object', properties: { codeNumber: { type: ['string', 'null'] }, codeNotation: { type: ['string', 'null'] } } },
          promulgationInfo: { type: 'object', properties: { place: { type: ['string', 'null'] }, promulgationDate: { type: ['string', 'null'], format: 'date' } } },
          subject: { type: 'string', maxLength: 500 },
          organization: { type: 'object', properties: { organId: { type: ['string', 'null'] }, organName: { type: ['string', 'null'] } } },
          signerInfo: { type: 'object', properties: { competence: { type: ['string', 'null'] }, position: { type: ['string', 'null'] }, fullName: { type: ['string', 'null'] } } },
          priority: { type: 'integer', minimum: 0, maximum: 3, description: '0 thường, 1 khẩn, 2 thượng khẩn, 3 hỏa tốc' },
          dueDate: { type: ['string', 'null'], format: 'date' },
          bookNumber: { type: ['integer', 'null'], description: 'Số đến / số đi trong sổ' },
          handlingDeadline: { type: ['string', 'null'], format: 'date' },
          externalDocumentId: { type: ['string', 'null'], description: 'edXML DocumentId' },
        },
      },
      DocumentInput: {
        type: 'object',
        required: ['typeCode', 'subject'],
        properties: {
          typeCode: { type: 'string', description: 'Mã loại văn bản, ví dụ quyet_dinh, cong_van' },
          numberAndNotation: { type: 'string', example: '15/QĐ-UBND' },
          codeNumber: { type: 'string' },
          codeNotation: { type: 'string' },
          promulgationDate: { type: 'string', format: 'date' },
          issuerName: { type: 'string' },
          issuerCode: { type: 'string' },
          subject: { type: 'string', maxLength: 500 },
          signerFullName: { type: 'string' },
          signerPosition: { type: 'string' },
          urgency: { type: 'integer', minimum: 0, maximum: 3 },
          dueDate: { type: 'string', format: 'date' },
          confidentiality: { type: 'string', description: 'Văn bản mật (Mật, Tối mật, Tuyệt mật) bị từ chối, không lưu gì.' },
          agencyId: { type: 'string' },
        },
      },
      DocumentList: { type: 'object', properties: { items: { type: 'array', items: ref('Document') }, nextCursor: { type: ['string', 'null'] } } },
    },
  },
  paths: {
    '/me': { get: { summary: 'Người dùng hiện tại và vai trò', responses: { '200': { description: 'OK' }, ...errors } } },
    '/documents': {
      get: {
        summary: 'Danh sách văn bản đến / đi theo trạng thái (phân trang theo con trỏ)',
        parameters: [
          { name: 'direction', in: 'query', schema: { enum: ['incoming', 'outgoing'] } },
          { name: 'tab', in: 'query', schema: { enum: ['cho_vao_so', 'cho_xu_ly', 'dang_xu_ly', 'da_xu_ly', 'qua_han', 'du_thao', 'cho_duyet', 'cho_ky', 'cho_cap_so', 'da_ban_hanh'] } },
          { name: 'after', in: 'query', schema: { type: 'string' } },
          { name: 'limit', in: 'query', schema: { type: 'integer', maximum: 200 } },
        ],
        responses: { '200': { description: 'OK', ...json(ref('DocumentList')) }, ...errors },
      },
    },
    '/documents/incoming': { post: { summary: 'Tiếp nhận văn bản đến (JSON hoặc multipart với tệp "files")', requestBody: json(ref('DocumentInput')), responses: { '201': { description: 'Đã tiếp nhận', ...json(ref('Document')) }, ...errors } } },
    '/documents/outgoing': { post: { summary: 'Tạo dự thảo văn bản đi', requestBody: json(ref('DocumentInput')), responses: { '201': { description: 'Đã tạo', ...json(ref('Document')) }, ...errors } } },
    '/documents/{id}': { get: { summary: 'Chi tiết, tệp, luồng xử lý, nơi nhận, thao tác được phép', parameters: [idParam], responses: { '200': { description: 'OK' }, ...errors } } },
    '/documents/{id}/actions/{action}': {
      post: {
        summary: 'Thực hiện một bước của quy trình',
        description:
          'Văn bản đến: register {bookId, acceptDuplicate}, return {reason}, present {note}, direct {direction, lead: "u:ID"|"p:ID", co[], info[], deadline | workingDays}, start, progress {note}, forward {lead}, request_extension {until, reason}, approve_extension {approve: yes|no}, complete {note, replyDocumentId}. ' +
          'Văn bản đi: submit, approve, return_for_revision {reason}, new_version (multipart), comment {note}, sign {competence}, number {bookId, promulgationDate, place}, release {agencyIds[], unitIds[], externalCodes}, recall {reason}.',
        parameters: [idParam, { name: 'action', in: 'path', required: true, schema: { type: 'string' } }],
        responses: { '200': { description: 'OK', ...json(ref('Document')) }, ...errors },
      },
    },
    '/documents/{id}/files/{fileId}': { get: { summary: 'Tải tệp', parameters: [idParam, { name: 'fileId', in: 'path', required: true, schema: { type: 'string' } }], responses: { '200': { description: 'Tệp' }, ...errors } } },
    '/books': {
      get: { summary: 'Sổ văn bản của cơ quan', parameters: [{ name: 'direction', in: 'query', schema: { enum: ['incoming', 'outgoing'] } }], responses: { '200': { description: 'OK' }, ...errors } },
      post: { summary: 'Mở sổ mới (văn thư)', responses: { '201': { description: 'Đã tạo' }, ...errors } },
    },
  },
} as const;

// Status codes of the edXML status package (QCVN 102:2016/BTTTT, amended 2022): the receiver reports
// each step back to the sender; 13/15/16 belong to the recall/update exchange started by the sender.

export const STATUS_CODES = {
  '01': 'Đã đến',
  '02': 'Từ chối tiếp nhận',
  '03': 'Đã tiếp nhận, vào sổ',
  '04': 'Đã phân công',
  '05': 'Đang xử lý',
  '06': 'Hoàn thành',
  '13': 'Yêu cầu lấy lại văn bản',
  '15': 'Đồng ý lấy lại / cập nhật',
  '16': 'Từ chối lấy lại / cập nhật',
} as const;

export type StatusCode = keyof typeof STATUS_CODES;

export const StatusCodes = {
  Arrived: '01',
  Rejected: '02',
  Accepted: '03',
  Assigned: '04',
  Processing: '05',
  Done: '06',
  RecallRequested: '13',
  RecallAgreed: '15',
  RecallRefused: '16',
} as const satisfies Record<string, StatusCode>;

export function isStatusCode(value: string): value is StatusCode {
  return Object.prototype.hasOwnProperty.call(STATUS_CODES, value);
}

export function statusLabel(code: string): string | undefined {
  return isStatusCode(code) ? STATUS_CODES[code] : undefined;
}

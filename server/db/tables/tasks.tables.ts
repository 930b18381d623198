// Tables of the tasks area (migration 2026_11_28_05_00_00): calendar overrides, directive tasks,
// progress, extensions, urging, notifications. Each area keeps its table types in its own file;
// server/db/types.ts composes them.
import type { Generated, Selectable } from 'kysely';
import type { NullableRef, Ref, Timestamp } from './column-types.ts';

/** Derived in SQL, never stored (see task.repository.ts stateSql and services/task-state.ts). */
export type TaskState = 'in_progress' | 'near_due' | 'overdue' | 'done_on_time' | 'done_late';

export type CalendarOverrideKind = 'day_off' | 'working_day';

export interface CalendarOverrideTable {
  id: Generated<string>;
  date: string;
  year: number;
  kind: CalendarOverrideKind;
  name: string;
  createdBy: NullableRef;
  createdAt: Generated<Date>;
}

export interface TaskSettingTable {
  agencyId: Ref;
  nearDueWorkingDays: Generated<number>;
  defaultWorkingDays: Generated<number>;
}

export interface TaskTable {
  id: Generated<string>;
  agencyId: Ref;
  documentId: Ref;
  title: string;
  direction: string | null;
  expectedResult: string | null;
  leadUnitId: NullableRef;
  leadUserId: NullableRef;
  assignedOn: string;
  deadline: string;
  originalDeadline: string;
  deadlineWorkingDays: number | null;
  progress: Generated<number>;
  completedOn: string | null;
  completedAt: Timestamp | null;
  replyDocumentId: NullableRef;
  completionNote: string | null;
  assignedBy: NullableRef;
  createdAt: Generated<Date>;
  updatedAt: Generated<Date>;
}

export interface TaskCoHandlerTable {
  id: Generated<string>;
  taskId: Ref;
  unitId: NullableRef;
  userId: NullableRef;
}

export interface TaskReportTable {
  id: Generated<string>;
  taskId: Ref;
  userId: Ref;
  progress: number;
  content: string;
  createdAt: Generated<Date>;
}

export type ExtensionStatus = 'pending' | 'approved' | 'rejected';

export interface TaskExtensionTable {
  id: Generated<string>;
  taskId: Ref;
  requestedBy: Ref;
  currentDeadline: string;
  requestedDeadline: string;
  reason: string;
  status: Generated<ExtensionStatus>;
  decidedBy: NullableRef;
  decidedAt: Timestamp | null;
  decisionNote: string | null;
  createdAt: Generated<Date>;
}

/** nhắc nhở, phê bình, kiểm điểm (DOMAIN.md §6). */
export type UrgeGrade = 'reminder' | 'criticism' | 'review';

export interface TaskUrgeTable {
  id: Generated<string>;
  taskId: Ref;
  agencyId: Ref;
  grade: UrgeGrade;
  unitId: NullableRef;
  userId: NullableRef;
  note: string | null;
  urgedBy: Ref;
  urgedOn: string;
  createdAt: Generated<Date>;
}

export interface NotificationTable {
  id: Generated<string>;
  userId: Ref;
  taskId: NullableRef;
  kind: string;
  title: string;
  body: string;
  createdAt: Generated<Date>;
  readAt: Timestamp | null;
}

export interface SentNotificationTable {
  id: Generated<string>;
  dedupeKey: string;
  userId: Ref;
  taskId: NullableRef;
  notificationId: NullableRef;
  emailTo: string | null;
  emailSubject: string | null;
  emailText: string | null;
  emailSentAt: Timestamp | null;
  emailAttempts: Generated<number>;
  emailError: string | null;
  createdAt: Generated<Date>;
}

/** Kept by triggers (migration 2026_11_28_05_30_00); lead_unit_id 0 for tasks led by a person. */
export interface TaskMonthStatTable {
  agencyId: Ref;
  leadUnitId: Ref;
  month: string;
  received: number;
  onTime: number;
  late: number;
}

export interface TasksTables {
  taskMonthStat: TaskMonthStatTable;
  calendarOverride: CalendarOverrideTable;
  taskSetting: TaskSettingTable;
  task: TaskTable;
  taskCoHandler: TaskCoHandlerTable;
  taskReport: TaskReportTable;
  taskExtension: TaskExtensionTable;
  taskUrge: TaskUrgeTable;
  notification: NotificationTable;
  sentNotification: SentNotificationTable;
}

export type TaskRow = Selectable<TaskTable>;
export type CalendarOverrideRow = Selectable<CalendarOverrideTable>;

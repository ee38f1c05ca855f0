"""The domain model, split by topic. Import from `gvi.models`."""

from gvi.models.audit import AccessAction, AccessLog, AccessLogPrune, PurposeKind, RetentionRun
from gvi.models.base import Confidence, SourcedModel, TrackedModel
from gvi.models.controllers import (
    ExtractWithholding,
    JointControllerArrangement,
    Processing,
    RecordController,
    Regime,
)
from gvi.models.evaluation import ResearchExport, ResearchExportStatus, TimeGranularity
from gvi.models.followups import OPEN_STATUSES, DigestDelivery, FollowUp, FollowUpOrigin, FollowUpStatus
from gvi.models.groups import (
    Area,
    Group,
    GroupAlias,
    GroupRelation,
    GroupStatus,
    PoliceClassification,
    RelationKind,
)
from gvi.models.imports import ImportKey, ImportKind, ImportRun, ImportStatus
from gvi.models.incidents import (
    AttributionStatus,
    GroupAttribution,
    Incident,
    IncidentType,
    Involvement,
    InvolvementRole,
    VerificationStatus,
)
from gvi.models.interventions import (
    SPEAKER_MESSAGE_KIND,
    CallIn,
    CallInSpeaker,
    CallInStatus,
    ConcernReport,
    CustomNotification,
    EnforcementAction,
    EnforcementKind,
    ExitCase,
    ExitCaseStatus,
    Invitation,
    InvitationStatus,
    MessageKind,
    NotificationResponse,
    ReferralStatus,
    RiskAssessment,
    RiskKind,
    RiskLevel,
    ServiceKind,
    ServiceReferral,
    SpeakerKind,
)
from gvi.models.organisations import (
    DEFAULT_ENFORCEMENT_MANDATE,
    OrganisationKind,
    OrganisationKindSetting,
    PartnerOrganisation,
    Programme,
    Role,
    User,
)
from gvi.models.people import (
    InclusionCriterion,
    Membership,
    MembershipEvidence,
    MembershipRole,
    MembershipStatus,
    Person,
    Sex,
    Supervision,
    SupervisionKind,
)
from gvi.models.rights import DataSubjectRequest, Notice, NoticeMethod, RequestKind, RequestStatus
from gvi.models.scoring import (
    CLOSED_BY_COORDINATOR,
    FlagEndReason,
    FlagStatus,
    GroupFlag,
    GroupScore,
    GroupScoreState,
    IncidentTypeWeight,
    Measure,
    ScoreContribution,
    ScorePending,
    ScoreState,
    ScoreTerm,
    ScoringConfig,
    ScoringRun,
)
from gvi.models.sharing import BasisKind, Consent, ConsentScope, SharingBasis
from gvi.models.sso import ClaimMapping, SignInOutcome, SingleSignOnEvent
from gvi.models.weekly import (
    GroupIncidentLink,
    GroupReach,
    PersonReach,
    ReviewMeeting,
    WeeklyAreaCount,
    WeeklyGroupCount,
    WeeklyTypeCount,
)

__all__ = [name for name in dir() if not name.startswith("_")]

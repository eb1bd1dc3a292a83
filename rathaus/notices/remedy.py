"""The default legal remedy instructions (Rechtsbehelfsbelehrung) of a Lower Saxony town.

In Lower Saxony the objection procedure (Widerspruch) is abolished for most matters (§ 80 of
the Niedersächsisches Justizgesetz): a notice is challenged by a lawsuit at the administrative
court within one month. A template whose law keeps the Widerspruch, or names another court,
writes its own text instead (docs/notices.md).
"""

DEFAULT_REMEDY_DE = """\
Gegen diesen Bescheid können Sie innerhalb eines Monats nach seiner Bekanntgabe Klage erheben. \
Die Klage ist beim {court_name}, {court_address}, zu erheben.

Sie können die Klage schriftlich einreichen oder bei der Geschäftsstelle des Gerichts \
aufschreiben lassen (zur Niederschrift). Elektronisch können Sie die Klage nur auf einem \
sicheren Übermittlungsweg nach § 55a der Verwaltungsgerichtsordnung (VwGO) einreichen, zum \
Beispiel aus einem besonderen elektronischen Bürger- und Organisationenpostfach (eBO); eine \
einfache E-Mail genügt dafür nicht.

Beklagte ist: {authority}, {authority_address}. Die Klage muss Sie als Klägerin oder Kläger, \
die Beklagte und den Gegenstand der Klage nennen und soll einen bestimmten Antrag enthalten. \
Geben Sie bitte die Tatsachen und Beweismittel an, auf die Sie die Klage stützen, und legen Sie \
diesen Bescheid oder eine Kopie bei (Vorgangsnummer {reference})."""

DEFAULT_REMEDY_EN = """\
You can challenge this notice by bringing an action (Klage) within one month after it was made \
known to you. The action is to be brought at the {court_name}, {court_address}.

You can file the action in writing or have it written down by the court's registry. \
Electronically, you can only file it through a secure transmission route under section 55a of \
the Code of Administrative Court Procedure (VwGO), for example from an electronic citizens' and \
organisations' mailbox (eBO); an ordinary e-mail is not enough.

The defendant is: {authority}, {authority_address}. The action must name you as the claimant, \
the defendant and what the action is about, and should state a specific request. Please give \
the facts and evidence your action rests on and enclose this notice or a copy (reference \
{reference})."""

# Public charges and costs must be paid even while a lawsuit runs (§ 80 (2) sentence 1 no. 1
# VwGO): fee and tax notices say so after the default text.
NO_SUSPENSION_DE = (
    "Die Klage hat keine aufschiebende Wirkung: Der festgesetzte Betrag ist auch dann "
    "fristgerecht zu zahlen, wenn Sie Klage erheben (§ 80 Abs. 2 Satz 1 Nr. 1 VwGO).")
NO_SUSPENSION_EN = (
    "The action does not suspend payment: the amount set must be paid on time even if you "
    "bring an action (section 80 (2) sentence 1 no. 1 VwGO).")

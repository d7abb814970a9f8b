"""Verbatim XML samples from /work/shared/xpm-api.md (docs and recorded wire answers)."""

STAFF_LIST = b"""<Response>
  <Status>OK</Status>
  <StaffList>
    <Staff>
      <UUID>f8235e1a-d383-48b7-9139-ba97ab8ca889</UUID>
      <Name>Jo Bloggs</Name>
      <Email>jo@bloggs.net</Email>
      <Phone />
      <Mobile />
      <Address />
      <PayrollCode />
    </Staff>
  </StaffList>
</Response>"""

STAFF_GET = b"""<Response>
  <Status>OK</Status>
  <WebUrl>https://app.practicemanager.xero.com/admin/resourceedit.aspx?id=123</WebUrl>
  <Staff>
    <UUID>f8235e1a-d383-48b7-9139-ba97ab8ca889</UUID>
    <Name>Jo Bloggs</Name>
    <Email>jo@bloggs.net</Email>
    <Phone />
    <Mobile />
    <Address />
    <PayrollCode />
  </Staff>
</Response>"""

STAFF_ADD_WIRE = (
    b'<Response api-method="Get"><Status>OK</Status><Staff><UUID>'
    b"1044994a-0000-4000-8000-000000000000</UUID><Name>Joe Bloggs</Name>"
    b"<Email>joebloggs@foo.com</Email><Phone>123456789</Phone><Mobile></Mobile>"
    b"<Address>In your head</Address><PayrollCode>PC123</PayrollCode></Staff></Response>"
)

CLIENT_GET = b"""<Response>
  <Status>OK</Status>
  <WebUrl>https://practicemanager.xero.com/Client/123/Detail</WebUrl>
  <Client>
    <UUID>720c21d3-e812-4bb1-9d6b-ddeb4745e7b9</UUID>
    <Name>XYZ Australia, NZ Business Unit</Name>
    <Title />
    <Gender />
    <FirstName />
    <LastName />
    <OtherName />
    <Email>someone@example.com</Email>
    <DateOfBirth>1970-11-26</DateOfBirth>
    <Address />
    <IsArchived>No</IsArchived>
    <IsDeleted>No</IsDeleted>
    <AccountManager>
      <UUID>dc48df15-1a5c-4675-9d82-4ca54e2c6e86</UUID>
      <Name>Jo Blogs</Name>
    </AccountManager>
    <Type>
      <Name>20th of Month</Name>
      <CostMarkup>30.00</CostMarkup>
      <PaymentTerm>DayOfMonth</PaymentTerm>
      <PaymentDay>20</PaymentDay>
    </Type>
    <Contacts>
      <Contact>
        <UUID>10e45ad9-cd3f-42b9-9e7e-056e47c0c109</UUID>
        <Name>Samantha Benecke</Name>
        <IsDeleted>No</IsDeleted>
        <IsPrimary>Yes</IsPrimary>
      </Contact>
    </Contacts>
    <BillingClient />
    <JobManager>
      <UUID>98466a19-16df-4ded-b657-0a80ef9a2094</UUID>
      <Name>John Smith</Name>
    </JobManager>
  </Client>
</Response>"""

JOB_GET = b"""<Response>
  <Status>OK</Status>
  <WebUrl>https://app.practicemanager.xero.com/job/jobview.aspx?id=J000309</WebUrl>
  <Job>
    <ID>J000309</ID>
    <UUID>0d3458b8-6fde-4389-8dbb-0a85804466ad</UUID>
    <Name>job name</Name>
    <Description>description of job</Description>
    <State>Planned</State>
    <ClientOrderNumber />
    <Budget>55.00</Budget>
    <Type>Website Development</Type>
    <StartDate>2008-08-29T00:00:00</StartDate>
    <DueDate>2008-09-29T00:00:00</DueDate>
    <CompletedDate>2008-09-29T00:00:00</CompletedDate>
    <Client>
      <UUID>210acbff-4dca-4524-a956-ad9ea5d6dbf1</UUID>
      <Name>The Health Company</Name>
    </Client>
    <Contact>
      <UUID>e585e0e6-0592-4f1a-b897-6c0c282441f0</UUID>
      <Name>Shelley Brio</Name>
    </Contact>
    <Manager>
      <UUID>a1981f48-dc1b-456a-925b-918fa099fd42</UUID>
      <Name>John Smith</Name>
    </Manager>
    <Partner>
      <UUID>8f60d525-75b9-4d2b-b451-14e7f718b6ef</UUID>
      <Name>Jack Brown</Name>
    </Partner>
    <Assigned>
      <Staff>
        <UUID>af6f1a4a-3929-41ef-b344-68765c9d4db7</UUID>
        <Name>Jo Bloggs</Name>
      </Staff>
     </Assigned>
    <Tasks>
      <Task>
        <UUID>af6f1a4a-3929-41ef-b344-68765c9d4db7</UUID>
        <TaskUUID>f4f62087-e131-4089-be4e-28ba8b6bd3e1</TaskUUID>
        <Name>Creative Direction</Name>
        <Description />
        <EstimatedMinutes>180</EstimatedMinutes>
        <ActualMinutes>100</ActualMinutes>
        <Completed>false</Completed>
        <Billable>true</Billable>
        <Folder />
        <StartDate>2008-08-29T00:00:00</StartDate>
        <DueDate>2008-09-29T00:00:00</DueDate>
        <Assigned>
          <Staff>
            <UUID>68ae87b9-8268-4fe0-a65d-c0e2ddb3d9a5</UUID>
            <Name>Jo Blogs</Name>
            <AllocatedMinutes>180</AllocatedMinutes>
          </Staff>
        </Assigned>
      </Task>
    </Tasks>
  </Job>
</Response>"""

JOB_ADD_WIRE = (
    b'<Response api-method="Add"><Status>OK</Status><Job><ID>J000031</ID><Name>Joe Bloggs</Name>'
    b"<Description>New Job</Description><Client><UUID>24097642-0000-4000-8000-000000000000"
    b"</UUID><Name>ABC Co</Name></Client><ClientOrderNumber></ClientOrderNumber>"
    b"<State>Planned</State><StartDate>2009-10-23T00:00:00</StartDate>"
    b"<DueDate>2009-10-23T00:00:00</DueDate><InternalID>44385850</InternalID><Assigned />"
    b"<Tasks /><Milestones /><Notes /></Job></Response>"
)

CATEGORIES_EMPTY = b'<Response api-method="List"><Status>OK</Status><Categories /></Response>'

CATEGORIES = b"""<Response>
  <Status>OK</Status>
  <Categories>
    <Category>
      <UUID>f8235e1a-d383-48b7-9139-ba97ab8ca889</UUID>
      <Name>Design</Name>
    </Category>
    <Category>
      <UUID>46e1db32-6c94-43f6-b5eb-fa082feb1fc4</UUID>
      <Name>Development</Name>
    </Category>
  </Categories>
</Response>"""

TEMPLATES = b"""<Response>
  <Status>OK</Status>
  <Templates>
    <Template>
      <UUID>eac5e664-f0b6-4a11-b142-5c926fdf7016</UUID>
      <Name>Brochure</Name>
    </Template>
  </Templates>
</Response>"""

TASK_TYPES = b"""<Response>
  <Status>OK</Status>
  <TaskList>
    <Task>
      <UUID>f8235e1a-d383-48b7-9139-ba97ab8ca889</UUID>
      <Name>Concept</Name>
      <Description></Description>
    </Task>
    <Task>
      <UUID>dc6f3aa6-14b2-47bb-9abc-9381e3af07c0</UUID>
      <Name>Design</Name>
      <Description></Description>
    </Task>
  </TaskList>
</Response>"""

ERRORS = {
    "Invalid job identifier": (
        b'<Response api-method="Assign"><Status>ERROR</Status>'
        b"<ErrorDescription>Invalid job identifier</ErrorDescription></Response>"
    ),
    "Invalid staff identifier for add request": (
        b'<Response api-method="Assign"><Status>ERROR</Status><ErrorDescription>'
        b"Invalid staff identifier for add request</ErrorDescription></Response>"
    ),
    "Invalid state code": (
        b'<Response api-method="State"><Status>ERROR</Status>'
        b"<ErrorDescription>Invalid state code</ErrorDescription></Response>"
    ),
    "A detailed explanation of the error": b"""<Response>
    <Status>ERROR</Status>
    <ErrorDescription>A detailed explanation of the error</ErrorDescription>
</Response>""",
}

STATE_OK = b'<Response api-method="State"><Status>OK</Status></Response>'

TOKEN_EXPIRED = (
    b'{"Type":null,"Title":"Unauthorized","Status":401,'
    b'"Detail":"TokenExpired: token expired at 04/29/2020 09:22:02",'
    b'"Instance":"0d6a2ea2-0000-0000-0000-000000000000","Extensions":{}}'
)
BAD_TOKEN = (
    b'{"Type":null,"Title":"Unauthorized","Status":401,"Detail":"AuthenticationUnsuccessful",'
    b'"Instance":"1f5a84cd-152b-418d-a0b1-e351fa131d05","Extensions":{}}'
)
BAD_TENANT = (
    b'{"Type":null,"Title":"Forbidden","Status":403,"Detail":"AuthenticationUnsuccessful",'
    b'"Instance":"d2fa1f07-0000-0000-0000-000000000000","Extensions":{}}'
)
RATE_LIMITED_HEADERS = {
    "retry-after": "22",
    "xero-correlation-id": "fd990f75-0fe2-4c79-bb4f-7aeaef3ec306",
    "x-appminlimit-remaining": "9938",
    "x-minlimit-remaining": "0",
    "x-daylimit-remaining": "4539",
    "x-rate-limit-problem": "minute",
    "content-length": "0",
}

# --- XPM 3.0 answers as recorded (integer IDs), trimmed -----------------------------------

STAFF_LIST_30 = (
    b'<Response api-method="List"><Status>OK</Status><StaffList><Staff><ID>859230</ID>'
    b"<Name>Dev Testing</Name><Email>dev@example.com</Email><Phone></Phone><Mobile></Mobile>"
    b"<Address></Address><PayrollCode></PayrollCode></Staff></StaffList></Response>"
)
TEMPLATES_30 = (
    b'<Response api-method="List"><Status>OK</Status><Templates><Template><ID>1254074</ID>'
    b"<Name>Activity Statement</Name></Template><Template><ID>1254068</ID>"
    b"<Name>Annual Accounts</Name></Template></Templates></Response>"
)
CATEGORIES_30 = (
    b'<Response api-method="List"><Status>OK</Status><Categories><Category><ID>412</ID>'
    b"<Name>Tax</Name></Category></Categories></Response>"
)
TASK_TYPES_30 = (
    b'<Response api-method="List"><Status>OK</Status><TaskList><Task><ID>4567991</ID>'
    b"<Name>Xero Setup</Name><Description></Description></Task></TaskList></Response>"
)
CLIENT_GET_30 = (
    b'<Response api-method="Get"><Status>OK</Status><Client><ID>32014284</ID><Name>Get Client '
    b"Test</Name><Email>NEW@EMAIL.COM</Email><Address></Address><City></City><Phone></Phone>"
    b"<Fax></Fax><Website></Website><IsProspect>No</IsProspect><IsArchived>No</IsArchived>"
    b"<IsDeleted>No</IsDeleted><TaxNumber></TaxNumber><BusinessNumber></BusinessNumber>"
    b"<BranchNumber>1</BranchNumber><GSTRegistered>No</GSTRegistered><PrepareGST>No</PrepareGST>"
    b"<AgencyStatus>Unlinked</AgencyStatus><ActiveAtoClient>No</ActiveAtoClient><Contacts>"
    b"<Contact><ID>18978524</ID><Name>contact name</Name><Mobile></Mobile>"
    b"<Email>contact@email.com</Email><Phone></Phone><Position>0</Position><Salutation>"
    b"</Salutation><Addressee></Addressee><IsPrimary>No</IsPrimary></Contact></Contacts>"
    b"<Notes /><Groups /><Relationships /><UUID>0183f65c-08c6-47b7-af05-3da072e901ae</UUID>"
    b"</Client></Response>"
)
CLIENT_WITH_MANAGER_30 = CLIENT_GET_30.replace(
    b"<Contacts>",
    b"<AccountManager><ID>859230</ID><Name>Dev Testing</Name></AccountManager><Contacts>",
)
JOB_PARTNER_30 = (
    b'<Response api-method="Assign"><Status>OK</Status><Job><ID>J000032</ID><Name>Accounting'
    b"</Name><Description>01 May, 2020\nhttps://example.com/proposals/27447</Description>"
    b"<ClientOrderNumber>27447</ClientOrderNumber><State>Planned</State>"
    b"<StartDate>2019-07-01T00:00:00</StartDate><DueDate>2020-05-09T00:00:00</DueDate>"
    b"<InternalID>44395039</InternalID><Partner><ID>859230</ID><Name>Dev Testing</Name>"
    b"</Partner><Assigned /><Tasks /><Milestones /><Notes /></Job></Response>"
)
JOB_TASK_30 = (
    b"<Task><ID>164097190</ID><Name>Xero Setup</Name><TaskID>4567991</TaskID>"
    b"<EstimatedMinutes>0</EstimatedMinutes><ActualMinutes>0</ActualMinutes><Description>"
    b"</Description><Completed>false</Completed><Billable>true</Billable><Folder></Folder></Task>"
)
CONTACT_30 = (
    b'<Response api-method="Contact"><Status>OK</Status><Contact><ID>15412877</ID><Name>Acmer '
    b"Pty Ltd</Name><Mobile></Mobile><Email></Email><Phone></Phone><Position></Position>"
    b"<Salutation></Salutation><Addressee></Addressee><IsPrimary>No</IsPrimary></Contact>"
    b"</Response>"
)
DELETE_OK = b'<Response api-method="Delete"><Status>OK</Status></Response>'
